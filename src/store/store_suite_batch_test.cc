// Conformance suite, part 2: events, commands, all-or-nothing batches, schema versions, and two
// connections (a scheduler writing, a CLI reading and enqueueing) on one database.
#include <gmock/gmock.h>

#include <atomic>
#include <thread>

#include "store/store_suite.h"

namespace sluice {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST_P(StoreSuite, EmptyBatchIsOk) { EXPECT_TRUE(IsOk(Apply(WriteBatch{}))); }

TEST_P(StoreSuite, EventsAreAppendedInOrderWithIncreasingIdsAndPaged) {
  WriteBatch b;
  b.events = {Event("task_state", "1"), Event("run_state", "2"), Event("dag_paused", "3")};
  ASSERT_TRUE(IsOk(Apply(b)));
  b.events = {Event("task_state", "4"), Event("task_state", "5")};
  ASSERT_TRUE(IsOk(Apply(b)));

  std::vector<EventRecord> all = Must(store_->ListEvents(0, 100));
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 0; i < all.size(); ++i) {
    EventRecord expected = Event(i == 1   ? "run_state"
                                 : i == 2 ? "dag_paused"
                                          : "task_state",
                                 std::to_string(i + 1));
    expected.id = all[i].id;
    EXPECT_EQ(all[i], expected);
    EXPECT_GT(all[i].id, i == 0 ? 0 : all[i - 1].id);
  }
  EXPECT_THAT(Must(store_->ListEvents(0, 2)), ElementsAre(all[0], all[1]));
  EXPECT_THAT(Must(store_->ListEvents(all[1].id, 2)), ElementsAre(all[2], all[3]));
  EXPECT_THAT(Must(store_->ListEvents(all[3].id, 2)), ElementsAre(all[4]));
  EXPECT_THAT(Must(store_->ListEvents(all[4].id, 2)), ElementsAre());
}

TEST_P(StoreSuite, EventWithEmptyRunAndTaskRoundTrips) {
  EventRecord e{.time = Jan2(), .dag_id = "d", .kind = "dag_paused", .to = "paused"};
  WriteBatch b;
  b.events = {e};
  ASSERT_TRUE(IsOk(Apply(b)));
  auto got = Must(store_->ListEvents(0, 10));
  ASSERT_EQ(got.size(), 1u);
  e.id = got[0].id;
  EXPECT_EQ(got[0], e);
}

TEST_P(StoreSuite, CommandsAreEnqueuedTakenAndFinished) {
  CommandRecord trigger{.created = Jan2(1), .kind = "trigger", .args_json = R"({"dag":"d"})"};
  // A new command is pending whatever the record says.
  CommandRecord pause{.created = Jan2(2), .kind = "pause", .state = "done", .result = "x"};
  int64_t first = Must(store_->EnqueueCommand(trigger));
  int64_t second = Must(store_->EnqueueCommand(pause));
  EXPECT_GT(first, 0);
  EXPECT_GT(second, first);

  auto pending = Must(store_->PendingCommands());
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, first);
  EXPECT_EQ(pending[0].created, Jan2(1));
  EXPECT_EQ(pending[0].kind, "trigger");
  EXPECT_EQ(pending[0].args_json, R"({"dag":"d"})");
  EXPECT_EQ(pending[0].state, "pending");
  EXPECT_EQ(pending[0].result, "");
  EXPECT_EQ(pending[1].id, second);
  EXPECT_EQ(pending[1].args_json, "{}");
  EXPECT_EQ(pending[1].state, "pending");
  EXPECT_EQ(pending[1].result, "");

  WriteBatch b;
  CommandRecord done = pending[0];
  done.state = "done";
  done.result = "triggered manual__2025-01-02T00:00:00Z";
  b.finished_commands = {done};
  ASSERT_TRUE(IsOk(Apply(b)));

  auto got = Must(store_->GetCommand(first));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->state, "done");
  EXPECT_EQ(got->result, "triggered manual__2025-01-02T00:00:00Z");
  EXPECT_EQ(got->kind, "trigger");
  pending = Must(store_->PendingCommands());
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, second);
  EXPECT_FALSE(Must(store_->GetCommand(second + 100)).has_value());
}

// A batch touching every table; `finish` names a command to finish.
WriteBatch EverythingBatch(int64_t finish) {
  WriteBatch b;
  b.dags = {FullDag("d")};
  b.set_paused = {{"p", true}};
  b.dag_versions = {{"d", "h", "{}", Jan2()}};
  b.runs = {FullRun("d", "r", Jan2())};
  b.task_instances = {FullTaskInstance("d", "r", "t")};
  b.attempts = {FullAttempt("d", "r", "t", 1)};
  b.events = {Event("task_state", "")};
  CommandRecord c;
  c.id = finish;
  c.state = "done";
  b.finished_commands = {c};
  return b;
}

void ExpectNothingFromEverythingBatch(Store& store) {
  EXPECT_THAT(Must(store.ListDags()), ElementsAre());
  EXPECT_EQ(Must(store.GetDagVersion("d", "h")), std::nullopt);
  EXPECT_THAT(Must(store.ListRuns({})), ElementsAre());
  EXPECT_THAT(Must(store.ListTaskInstances("d", "r")), ElementsAre());
  EXPECT_THAT(Must(store.ListAttempts("d", "r", "")), ElementsAre());
  EXPECT_THAT(Must(store.ListEvents(0, 10)), ElementsAre());
}

TEST_P(StoreSuite, BatchFailingOnItsLastRowLeavesNothingBehind) {
  Status st = Apply(EverythingBatch(/*finish=*/999));
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "finish command 999: no such command");
  ExpectNothingFromEverythingBatch(*store_);

  // The failure left no transaction open: the same batch with a real command goes through.
  int64_t id = Must(store_->EnqueueCommand({.created = Jan2(), .kind = "trigger"}));
  ASSERT_TRUE(IsOk(Apply(EverythingBatch(id))));
  EXPECT_EQ(Must(store_->ListDags()).size(), 2u);
  EXPECT_EQ(Must(store_->ListEvents(0, 10)).size(), 1u);
  EXPECT_EQ(Must(store_->GetCommand(id)).value_or(CommandRecord{}).state, "done");
}

TEST_P(StoreSuite, BatchViolatingAConstraintMidwayLeavesNothingBehind) {
  int64_t id = Must(store_->EnqueueCommand({.created = Jan2(), .kind = "trigger"}));
  WriteBatch b = EverythingBatch(id);
  // Tries are 1-based: a try 0 attempt is refused after the dags, runs and task instances.
  b.attempts.push_back(FullAttempt("d", "r", "t", 0));
  Status st = Apply(b);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.message(), StartsWith("upsert attempt d/r/t try 0: "));
  EXPECT_THAT(st.message(), HasSubstr("try_number"));
  ExpectNothingFromEverythingBatch(*store_);
  EXPECT_EQ(Must(store_->GetCommand(id)).value_or(CommandRecord{}).state, "pending");
}

// try_number counts the attempts started, so it is never negative; an upsert or a transition
// that says otherwise fails its batch.
TEST_P(StoreSuite, ANegativeTryNumberOfATaskInstanceFailsTheBatch) {
  WriteBatch b;
  b.runs = {FullRun("d", "r", Jan2())};
  b.task_instances = {FullTaskInstance("d", "r", "t")};
  b.task_instances[0].try_number = -1;
  Status st = Apply(b);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.message(), StartsWith("upsert task instance d/r/t: "));
  EXPECT_THAT(st.message(), HasSubstr("try_number"));
  EXPECT_THAT(Must(store_->ListRuns({})), ElementsAre());

  b.task_instances[0].try_number = 0;
  ASSERT_TRUE(IsOk(Apply(b)));
  WriteBatch t;
  TaskInstanceRecord to = b.task_instances[0];
  to.try_number = -1;
  t.task_transitions = {{to, b.task_instances[0].state}};
  st = Apply(t);
  EXPECT_THAT(st.message(), StartsWith("update task instance d/r/t: "));
  EXPECT_THAT(st.message(), HasSubstr("try_number"));
  EXPECT_THAT(Must(store_->ListTaskInstances("d", "r")), ElementsAre(b.task_instances[0]));
}

TEST_P(StoreSuite, MigrateIsIdempotentAndKeepsData) {
  EXPECT_EQ(Must(store_->SchemaVersion()), store_->LatestSchemaVersion());
  EXPECT_GE(store_->LatestSchemaVersion(), 1);
  WriteBatch b;
  b.runs = {FullRun("d", "r", Jan2())};
  ASSERT_TRUE(IsOk(Apply(b)));
  ASSERT_TRUE(IsOk(store_->Migrate()));
  ASSERT_TRUE(IsOk(OpenUnmigrated()->Migrate()));
  EXPECT_EQ(Must(store_->SchemaVersion()), store_->LatestSchemaVersion());
  EXPECT_THAT(Must(store_->ListRuns({})), ElementsAre(FullRun("d", "r", Jan2())));
}

TEST_P(StoreSuite, CheckSaysToMigrateAFreshDatabaseAndPassesAMigratedOne) {
  TempDir other;
  auto fresh = GetParam().open(other.path());
  ASSERT_TRUE(IsOk(fresh));
  Store& store = **fresh;
  EXPECT_EQ(Must(store.SchemaVersion()), 0);
  Status st = store.Check();
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(st.message(), "database schema is at version 0, this build needs " +
                              std::to_string(store.LatestSchemaVersion()) +
                              ": run `sluice db migrate`");
  ASSERT_TRUE(IsOk(store.Migrate()));
  EXPECT_TRUE(IsOk(store.Check()));
  EXPECT_TRUE(IsOk(store_->Check()));
}

TEST_P(StoreSuite, SecondConnectionReadsWhatTheFirstCommitted) {
  std::unique_ptr<Store> cli = OpenUnmigrated();
  ASSERT_NE(cli, nullptr);
  // Read first, so a stale snapshot held by the reader would show in the second read.
  EXPECT_THAT(Must(cli->ListRuns({})), ElementsAre());
  WriteBatch b;
  b.runs = {FullRun("d", "r", Jan2())};
  b.set_paused = {{"d", true}};
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_THAT(Must(cli->ListRuns({})), ElementsAre(FullRun("d", "r", Jan2())));
  EXPECT_TRUE(Must(cli->GetDag("d")).value_or(DagRecord{}).paused);

  // And the other way: the CLI enqueues, the scheduler sees it.
  int64_t id = Must(cli->EnqueueCommand({.created = Jan2(), .kind = "clear"}));
  auto pending = Must(store_->PendingCommands());
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, id);
}

TEST_P(StoreSuite, ReaderAndWritersOnTwoConnectionsRunConcurrentlyWithoutBusyErrors) {
  std::unique_ptr<Store> cli = OpenUnmigrated();
  ASSERT_NE(cli, nullptr);
  constexpr int kTurns = 200;
  constexpr int kEventsPerTurn = 5;
  constexpr int kCommands = 50;
  std::atomic<bool> writer_done{false};
  Status writer_status;
  std::thread writer([&] {
    for (int turn = 0; turn < kTurns && writer_status.ok(); ++turn) {
      WriteBatch b;
      b.runs = {FullRun("d", "r" + std::to_string(turn), Jan2(turn))};
      for (int i = 0; i < kEventsPerTurn; ++i) b.events.push_back(Event("task_state", ""));
      writer_status = store_->Apply(b);
    }
    writer_done = true;
  });
  // The CLI side reads (and enqueues, a write) while the scheduler writes: every call succeeds,
  // and it only ever sees whole turns, never a run without its events.
  std::string reader_error;
  int enqueued = 0;
  size_t last_seen = 0;
  while (reader_error.empty() && (!writer_done || enqueued < kCommands)) {
    auto events = cli->ListEvents(0, kTurns * kEventsPerTurn);
    auto runs = cli->ListRuns({});
    if (!events.ok() || !runs.ok()) {
      reader_error = !events.ok() ? events.status().message() : runs.status().message();
      break;
    }
    if (events->size() % kEventsPerTurn != 0 || events->size() < last_seen) {
      reader_error =
          "saw " + std::to_string(events->size()) + " events after " + std::to_string(last_seen);
    }
    last_seen = events->size();
    if (enqueued < kCommands) {
      auto id = cli->EnqueueCommand({.created = Jan2(), .kind = "trigger"});
      if (!id.ok()) reader_error = id.status().message();
      ++enqueued;
    }
  }
  writer.join();
  EXPECT_TRUE(IsOk(writer_status));
  EXPECT_EQ(reader_error, "");
  EXPECT_EQ(Must(store_->ListRuns({})).size(), static_cast<size_t>(kTurns));
  EXPECT_EQ(Must(store_->ListEvents(0, 10'000)).size(),
            static_cast<size_t>(kTurns * kEventsPerTurn));
  EXPECT_EQ(Must(store_->PendingCommands()).size(), static_cast<size_t>(kCommands));
}

}  // namespace sluice
