#include <gtest/gtest.h>

#include "control/control_fixture.h"
#include "control/dag_list.h"
#include "control/pause.h"
#include "control/trigger.h"
#include "time/time_format.h"

namespace sluice::control {
namespace {

constexpr char kHello[] = R"(dag: hello
params: {who: world}
tasks:
  a: {run: "echo a"}
  b: {needs: [a], run: "echo b"}
)";

using TriggerPauseTest = ControlTest;

TEST_F(TriggerPauseTest, ANewDagIsCreatedPausedWhenTheConfigSaysSo) {
  config_.dags_paused_on_create = true;
  WriteDag("hello.yaml", kHello);
  auto run = Trigger(ctx(), "hello", {});
  ASSERT_TRUE(run.ok()) << run.status().message();
  // The run is queued and waits, as for any paused DAG, until `dags unpause`.
  EXPECT_TRUE(run->dag_paused);
  auto rec = store_->GetDag("hello");
  ASSERT_TRUE(rec.ok() && *rec);
  EXPECT_TRUE((*rec)->paused);
  // A DAG the store knows keeps its flag.
  ASSERT_TRUE(SetPaused(ctx(), "hello", false).ok());
  clock_.Advance(std::chrono::seconds(1));
  run = Trigger(ctx(), "hello", {});
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_FALSE(run->dag_paused);
}

TEST_F(TriggerPauseTest, TriggerWritesAQueuedManualRunAndTellsTheScheduler) {
  WriteDag("hello.yaml", kHello);
  auto run = Trigger(ctx(), "hello", {"who=you"});
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_EQ(run->run_id, "manual__2026-01-02T03:04:05Z");
  EXPECT_FALSE(run->dag_paused);
  auto stored = store_->GetRun("hello", run->run_id);
  ASSERT_TRUE(stored.ok() && *stored);
  EXPECT_EQ((*stored)->state, RunState::kQueued);
  EXPECT_EQ((*stored)->logical_date, kNow);
  EXPECT_EQ((*stored)->params_json, R"({"who":"you"})");
  auto tis = store_->ListTaskInstances("hello", run->run_id);
  ASSERT_TRUE(tis.ok());
  ASSERT_EQ(tis->size(), 2u);
  EXPECT_EQ((*tis)[0].state, TaskState::kNone);
  auto version = store_->GetDagVersion("hello", (*stored)->dag_hash);
  ASSERT_TRUE(version.ok() && *version);
  auto pending = store_->PendingCommands();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(KindAndArgs(pending->front()),
            KindAndArgs({0, kNow, "trigger", R"({"dag":"hello","run":")" + run->run_id + "\"}"}));
}

TEST_F(TriggerPauseTest, TriggerRefusesUnknownDagsAndParams) {
  WriteDag("hello.yaml", kHello);
  EXPECT_EQ(Trigger(ctx(), "helo", {}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Trigger(ctx(), "hello", {"how=x"}).status().code(), StatusCode::kInvalidArgument);
  auto runs = store_->ListRuns({});
  ASSERT_TRUE(runs.ok());
  EXPECT_TRUE(runs->empty());
}

TEST_F(TriggerPauseTest, PauseIsStoredAndListedAndATriggeredRunSaysItWaits) {
  const std::string path = WriteDag("hello.yaml", kHello);
  ASSERT_TRUE(SetPaused(ctx(), "hello", true).ok());
  auto rec = store_->GetDag("hello");
  ASSERT_TRUE(rec.ok() && *rec);
  EXPECT_TRUE((*rec)->paused);
  auto events = store_->ListEvents(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().kind, "dag_paused");
  EXPECT_EQ(events->front().from, "active");
  EXPECT_EQ(events->front().to, "paused");

  auto rows = ListDags(ctx());
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].dag, "hello");
  EXPECT_EQ((*rows)[0].file, path);
  EXPECT_TRUE((*rows)[0].paused);
  EXPECT_EQ((*rows)[0].schedule, std::nullopt);

  auto run = Trigger(ctx(), "hello", {});
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->dag_paused);

  ASSERT_TRUE(SetPaused(ctx(), "hello", false).ok());
  auto pending = store_->PendingCommands();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 3u);
  EXPECT_EQ(KindAndArgs((*pending)[0]), KindAndArgs({0, kNow, "pause", R"({"dag":"hello"})"}));
  EXPECT_EQ(KindAndArgs((*pending)[2]), KindAndArgs({0, kNow, "unpause", R"({"dag":"hello"})"}));
}

TEST_F(TriggerPauseTest, PausingAnUnknownDagIsNotFound) {
  EXPECT_EQ(SetPaused(ctx(), "ghost", true).code(), StatusCode::kNotFound);
}

TEST_F(TriggerPauseTest, ListShowsTheNextDueOfAScheduledDagAndKeepsABrokenOnesRow) {
  const std::string path = WriteDag("daily.yaml", R"(dag: daily
schedule: "0 6 * * *"
start: 2025-01-01
tasks:
  a: {run: "true"}
)");
  // Recorded in the store (as a scheduler would), then broken.
  ASSERT_TRUE(SetPaused(ctx(), "daily", false).ok());
  auto rows = ListDags(ctx());
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].schedule, "0 6 * * *");
  // catchup is off: the latest interval due by now, [12-31 06:00, 01-01 06:00), runs next.
  EXPECT_EQ((*rows)[0].next_due, *ParseTimePoint("2026-01-01T06:00:00Z", TimeZone::Utc()));
  WriteDag("daily.yaml", "dag: daily\ntasks:\n  a: {rnu: x}\n");
  // `list` shows the scheduler's view: the break shows once a scheduler has seen it (it writes
  // the file's errors on the DAG's row), as this stand-in does.
  DagRecord rec = **store_->GetDag("daily");
  rec.errors_json = nlohmann::json({path + ":3:7: error: unknown key 'rnu'"}).dump();
  WriteBatch seen;
  seen.dags.push_back(rec);
  ASSERT_TRUE(store_->Apply(seen).ok());
  rows = ListDags(ctx());
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].dag, "daily");
  EXPECT_EQ((*rows)[0].file, path);
  ASSERT_FALSE((*rows)[0].errors.empty());
  EXPECT_EQ((*rows)[0].errors[0].rfind(path + ":3:", 0), 0u) << (*rows)[0].errors[0];
}

}  // namespace
}  // namespace sluice::control
