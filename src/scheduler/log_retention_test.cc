// sluice.yaml log_retention: the scheduler deletes old runs' logs, in simulated time.
#include "scheduler/log_retention.h"

#include <filesystem>

#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

class LogRetentionTest : public SchedulerTest {
 protected:
  std::string Logs() { return dir_.path() + "/logs"; }
  // Writes the log files an attempt leaves, as the supervisor would.
  void WriteLogs(const std::string& dag, const std::string& run,
                 const std::vector<std::string>& names) {
    for (const auto& name : names) dir_.Write("logs/" + dag + "/" + run + "/" + name, "x\n");
  }
  bool Exists(const std::string& rel) { return fs::exists(Logs() + "/" + rel); }
};

TEST_F(LogRetentionTest, DeletesTheLogsOfRunsEndedLongerAgoThanTheRetention) {
  log_retention_ = std::chrono::hours(24 * 30);
  source_.Set("/dags/d.yaml", "dag: d\ntasks:\n  a: {run: x}\n");
  source_.Set("/dags/slow.yaml", "dag: slow\ntasks:\n  long: {run: x}\n");
  executor_.Script("long", {{std::chrono::hours(24 * 60)}});
  StartScheduler();
  const TimePoint start = clock_.Now();
  const std::string done = *scheduler_->TriggerRun("d", "{}");
  RunUntil(start + std::chrono::minutes(1));
  ASSERT_EQ(*scheduler_->GetRunState("d", done), RunState::kSuccess);
  // A run still running 40 days on: its task takes 60 days.
  const std::string slow = *scheduler_->TriggerRun("slow", "{}");
  RunUntil(start + std::chrono::minutes(2));
  WriteLogs("d", done, {"a.1.log", "a@0.2.log"});
  WriteLogs("slow", slow, {"long.1.log"});
  WriteLogs("d", "no_such_run", {"a.1.log"});       // not a run the store knows: left alone
  dir_.Write("logs/d/" + done + "/notes.txt", "");  // not a log: kept, with its folder

  // 29 days on, nothing is old enough.
  RunUntil(start + std::chrono::hours(24 * 29));
  EXPECT_TRUE(Exists("d/" + done + "/a.1.log"));

  // Past 30 days (and the next hourly sweep) the ended run's logs go.
  RunUntil(start + std::chrono::hours(24 * 30 + 2));
  EXPECT_FALSE(Exists("d/" + done + "/a.1.log"));
  EXPECT_FALSE(Exists("d/" + done + "/a@0.2.log"));
  EXPECT_TRUE(Exists("d/" + done + "/notes.txt"));
  EXPECT_TRUE(Exists("slow/" + slow + "/long.1.log"));
  EXPECT_TRUE(Exists("d/no_such_run/a.1.log"));
  EXPECT_EQ(*scheduler_->GetRunState("slow", slow), RunState::kRunning);
}

TEST_F(LogRetentionTest, RemovesTheRunFoldersItEmpties) {
  log_retention_ = std::chrono::hours(1);
  source_.Set("/dags/d.yaml", "dag: d\ntasks:\n  a: {run: x}\n");
  StartScheduler();
  const TimePoint start = clock_.Now();
  const std::string run = *scheduler_->TriggerRun("d", "{}");
  RunUntil(start + std::chrono::minutes(1));
  WriteLogs("d", run, {"a.1.log"});
  RunUntil(start + std::chrono::hours(3));
  EXPECT_FALSE(Exists("d/" + run));
  EXPECT_TRUE(Exists("d"));  // a DAG's folder stays: its next run's attempt may be creating it
}

TEST_F(LogRetentionTest, WithoutTheSettingLogsAreKeptForEver) {
  source_.Set("/dags/d.yaml", "dag: d\ntasks:\n  a: {run: x}\n");
  StartScheduler();
  const TimePoint start = clock_.Now();
  const std::string run = *scheduler_->TriggerRun("d", "{}");
  RunUntil(start + std::chrono::minutes(1));
  WriteLogs("d", run, {"a.1.log"});
  RunUntil(start + std::chrono::hours(24 * 400));
  EXPECT_TRUE(Exists("d/" + run + "/a.1.log"));
}

// Many run folders are swept a batch per step, so one sweep never holds the loop up.
TEST(LogRetentionBatches, SweepsABatchPerStep) {
  TempDir dir;
  MemoryStore store;
  ASSERT_TRUE(store.Migrate().ok());
  const TimePoint now = T("2025-03-01T00:00:00Z");
  WriteBatch batch;
  for (int i = 0; i < 10; ++i) {
    RunRecord run;
    run.dag_id = "d";
    run.run_id = "r" + std::to_string(i);
    run.state = i == 9 ? RunState::kRunning : RunState::kFailed;
    run.logical_date = run.data_interval_start = run.data_interval_end = run.queued_at =
        T("2025-01-01T00:00:00Z");
    if (i != 9) run.end = T("2025-01-02T00:00:00Z");
    batch.runs.push_back(run);
    dir.Write("logs/d/" + run.run_id + "/t.1.log", "x\n");
  }
  ASSERT_TRUE(store.Apply(batch).ok());
  LogRetention retention({dir.path() + "/logs", std::chrono::hours(24), std::chrono::hours(1), 4},
                         store);
  retention.Step(now);
  EXPECT_TRUE(retention.sweeping());
  EXPECT_FALSE(fs::exists(dir.path() + "/logs/d/r3"));
  EXPECT_TRUE(fs::exists(dir.path() + "/logs/d/r4"));
  retention.Step(now);
  retention.Step(now);
  EXPECT_FALSE(retention.sweeping());
  EXPECT_EQ(retention.removed_total(), 9);
  EXPECT_TRUE(fs::exists(dir.path() + "/logs/d/r9/t.1.log"));
  retention.Step(now + std::chrono::minutes(59));  // the next sweep is an hour on
  EXPECT_FALSE(retention.sweeping());
}

}  // namespace
}  // namespace sluice::testing
