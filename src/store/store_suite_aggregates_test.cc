// Conformance suite: the aggregates /metrics reads (counts by DAG and state, attempt duration
// histograms), counted by the store itself.
#include <gmock/gmock.h>

#include "store/store_suite.h"

namespace sluice {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Count = Store::StateCount;
using Histogram = Store::DurationHistogram;

RunRecord RunIn(const std::string& dag_id, const std::string& run_id, RunState state) {
  RunRecord r = FullRun(dag_id, run_id, Jan2());
  r.state = state;
  return r;
}

TaskInstanceRecord TiIn(const std::string& dag_id, const std::string& task_id, TaskState state,
                        std::optional<int> map_index = std::nullopt) {
  return TaskInstanceRecord{
      .dag_id = dag_id, .run_id = "r1", .task_id = task_id, .map_index = map_index, .state = state};
}

// An attempt of task `task_id` in run r1 of `dag_id` that ran `us` microseconds (none: running).
AttemptRecord Ran(const std::string& dag_id, const std::string& task_id, int try_number,
                  AttemptState state, std::optional<int64_t> us) {
  AttemptRecord a{.dag_id = dag_id, .run_id = "r1", .task_id = task_id, .try_number = try_number};
  a.state = state;
  a.start = Jan2(kHourUs);
  if (us) a.end = Jan2(kHourUs + *us);
  return a;
}

TEST_P(StoreSuite, AnEmptyStoreHasNoCountsAndNoHistograms) {
  EXPECT_THAT(Must(store_->CountRunsByState()), IsEmpty());
  EXPECT_THAT(Must(store_->CountTaskInstancesByState()), IsEmpty());
  EXPECT_THAT(Must(store_->AttemptDurations({seconds(1)})), IsEmpty());
}

TEST_P(StoreSuite, RunsAndTaskInstancesAreCountedByDagAndState) {
  WriteBatch b;
  b.runs = {RunIn("b", "r1", RunState::kSuccess), RunIn("b", "r2", RunState::kFailed),
            RunIn("b", "r3", RunState::kSuccess), RunIn("a", "r1", RunState::kRunning)};
  b.task_instances = {TiIn("b", "x", TaskState::kSuccess), TiIn("b", "y", TaskState::kFailed),
                      TiIn("b", "z", TaskState::kSuccess), TiIn("a", "x", TaskState::kQueued),
                      // each instance of a mapped task counts
                      TiIn("a", "m", TaskState::kRunning, 0),
                      TiIn("a", "m", TaskState::kRunning, 1),
                      TiIn("a", "m", TaskState::kUpForRetry, 2)};
  ASSERT_TRUE(IsOk(Apply(b)));
  // By DAG id, then state name.
  EXPECT_THAT(
      Must(store_->CountRunsByState()),
      ElementsAre(Count{"a", "running", 1}, Count{"b", "failed", 1}, Count{"b", "success", 2}));
  EXPECT_THAT(
      Must(store_->CountTaskInstancesByState()),
      ElementsAre(Count{"a", "queued", 1}, Count{"a", "running", 2}, Count{"a", "up_for_retry", 1},
                  Count{"b", "failed", 1}, Count{"b", "success", 2}));

  // A transition moves a row from one count to another.
  WriteBatch move;
  move.run_transitions = {{RunIn("a", "r1", RunState::kFailed), RunState::kRunning}};
  ASSERT_TRUE(IsOk(Apply(move)));
  EXPECT_THAT(
      Must(store_->CountRunsByState()),
      ElementsAre(Count{"a", "failed", 1}, Count{"b", "failed", 1}, Count{"b", "success", 2}));
}

TEST_P(StoreSuite, EndedAttemptDurationsAreBucketedPerDagCumulatively) {
  const std::vector<AttemptRecord> attempts = {
      Ran("etl", "t", 1, AttemptState::kFailed, 500'000),     // 0.5 s
      Ran("etl", "t", 2, AttemptState::kSuccess, 1'000'000),  // 1 s: in the 1 s bucket (le)
      Ran("etl", "u", 1, AttemptState::kSuccess, 2'000'000),
      Ran("etl", "v", 1, AttemptState::kSkipped, 30'000'000),    // above every bound: +Inf only
      Ran("etl", "w", 1, AttemptState::kRunning, std::nullopt),  // running: not counted
      Ran("aux", "t", 1, AttemptState::kSuccess, -3'000'000),    // ended before it began: 0 s
  };
  WriteBatch b;
  b.task_instances = TaskInstancesOf(attempts);
  b.attempts = attempts;
  ASSERT_TRUE(IsOk(Apply(b)));

  const std::vector<Duration> bounds = {seconds(1), seconds(5), seconds(10)};
  EXPECT_THAT(Must(store_->AttemptDurations(bounds)),
              ElementsAre(Histogram{"aux", {1, 1, 1}, 1, Duration(0)},
                          Histogram{"etl", {2, 3, 3}, 4, Duration(33'500'000)}));
  // No bounds: the count and the sum alone.
  EXPECT_THAT(Must(store_->AttemptDurations({})),
              ElementsAre(Histogram{"aux", {}, 1, Duration(0)},
                          Histogram{"etl", {}, 4, Duration(33'500'000)}));
}

TEST_P(StoreSuite, AttemptDurationBoundsThatDoNotIncreaseAreRefused) {
  for (const std::vector<Duration>& bounds : {std::vector<Duration>{seconds(2), seconds(1)},
                                              std::vector<Duration>{seconds(1), seconds(1)}}) {
    auto got = store_->AttemptDurations(bounds);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(store_->AttemptDurations({seconds(2), seconds(1)}).status().message(),
            "attempt durations: bucket bound 2 (1000000 us) is not above the one before it "
            "(2000000 us)");
}

}  // namespace
}  // namespace sluice
