// SchedulerStats: its histogram's buckets, and the figures a driver reports through it as its
// turns go (simulated time, as scheduler_test.cc).
#include "scheduler/scheduler_stats.h"

#include <gmock/gmock.h>

#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAreArray;

TEST(SchedulerStatsTest, ATurnCountsInEveryBucketFromTheFirstBoundAtOrAboveItsLatency) {
  SchedulerStats stats;
  stats.RecordTurn(Duration(0), {});
  stats.RecordTurn(Duration(100), {});  // on the first bound: in it (le = 0.0001 s)
  stats.RecordTurn(Duration(101), {});  // just above: from the second on
  stats.RecordTurn(seconds(3), {});     // 2.5 s < 3 s <= 5 s
  stats.RecordTurn(seconds(20), {});    // above every bound: +Inf only
  stats.RecordTurn(Duration(-5), {});   // the clock stepped back: zero
  const SchedulerStats::Snapshot s = stats.Read();
  const std::array<uint64_t, 16> expected = {3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5};
  EXPECT_THAT(s.turn_latency_cumulative, ElementsAreArray(expected));
  EXPECT_EQ(s.turns, 6u);
  EXPECT_EQ(s.turn_latency_sum, Duration(23'000'201));
}

TEST(SchedulerStatsTest, TheLastFiguresRecordedOrPublishedAreRead) {
  SchedulerStats stats;
  EXPECT_EQ(stats.Read().figures.parallelism, 0);
  stats.RecordTurn(Duration(0), SchedulerFigures{.queued_tasks = 3, .parallelism = 4});
  stats.Publish(SchedulerFigures{.queued_tasks = 1, .parallelism = 4, .commits = 9});
  const SchedulerStats::Snapshot s = stats.Read();
  EXPECT_EQ(s.figures.queued_tasks, 1);
  EXPECT_EQ(s.figures.commits, 9u);
  EXPECT_EQ(s.turns, 1u);  // a publish is not a turn
}

class DriverStatsTest : public SchedulerTest {
 protected:
  // SchedulerTest::StartScheduler, reporting to stats_.
  void StartReporting(int parallelism) {
    DriverOptions options;
    options.planner.parallelism = parallelism;
    options.planner.logs_dir = dir_.path() + "/logs";
    options.dag_poll_interval = std::chrono::hours(1);
    options.command_poll_interval = command_poll_interval_;
    options.poke_inline = true;
    options.stats = &stats_;
    scheduler_ = std::make_unique<Driver>(options, *store_, executor_, *loop_, source_);
    Status st = scheduler_->Start();
    ASSERT_TRUE(st.ok()) << st.message();
  }

  SchedulerStats stats_;
};

TEST_F(DriverStatsTest, EachTurnReportsWhatWaitsWhatRunsAndTheBrokenFiles) {
  source_.Set("/dags/fan.yaml", R"(
dag: fan
tasks:
  a: {run: x}
  b: {run: x}
  c: {run: x}
)");
  source_.Set("/dags/broken.yaml", "dag: broken\ntasks: {a: {run: x, retires: 1}}\n");
  executor_.Script("a", {{seconds(10), 0}});
  executor_.Script("b", {{seconds(20), 0}});
  executor_.Script("c", {{seconds(30), 0}});
  StartReporting(/*parallelism=*/2);
  SchedulerStats::Snapshot s = stats_.Read();
  EXPECT_EQ(s.turns, 0u);  // Start publishes its figures; it is not a turn
  EXPECT_EQ(s.figures.parallelism, 2);
  EXPECT_EQ(s.figures.dag_file_errors, 1);
  EXPECT_EQ(s.figures.active_runs, 0);
  const uint64_t commits_at_start = s.figures.commits;
  EXPECT_EQ(commits_at_start, 1u);  // the DAG and its version

  ASSERT_TRUE(scheduler_->TriggerRun("fan", "{}").ok());
  ASSERT_TRUE(scheduler_->Turn(Duration::zero()).ok());
  s = stats_.Read();
  EXPECT_EQ(s.turns, 1u);
  // Two of the three tasks hold the two slots; the third waits for one.
  EXPECT_EQ(s.figures.running_attempts, 2);
  EXPECT_EQ(s.figures.queued_tasks, 1);
  EXPECT_EQ(s.figures.active_runs, 1);
  EXPECT_EQ(s.figures.commits, commits_at_start + 2);  // the trigger's, then the launches'
  // Simulated time does not move inside a turn: every turn took no time at all.
  EXPECT_EQ(s.turn_latency_cumulative[0], 1u);
  EXPECT_EQ(s.turn_latency_sum, Duration::zero());

  RunUntil(T("2025-01-06T12:00:15Z"));  // a ended at 12:00:10, c took its slot
  s = stats_.Read();
  EXPECT_EQ(s.figures.running_attempts, 2);
  EXPECT_EQ(s.figures.queued_tasks, 0);

  RunUntil(T("2025-01-06T12:01:00Z"));  // all ended, the run with them
  s = stats_.Read();
  EXPECT_EQ(s.figures.running_attempts, 0);
  EXPECT_EQ(s.figures.queued_tasks, 0);
  EXPECT_EQ(s.figures.active_runs, 0);
  EXPECT_EQ(s.figures.dag_file_errors, 1);
  EXPECT_EQ(s.turn_latency_cumulative.back(), s.turns);
  EXPECT_EQ(RunStateName(OnlyRun("fan").state), std::string("success"));
}

}  // namespace
}  // namespace sluice::testing
