// Issue 14: SLA misses and long-running attempts, in simulated time through the real driver and
// planner: the exact instant each alert is written, none when the run or attempt ends in time,
// once per run or attempt across a restart; and the long_running threshold rule on its own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scheduler/alert_events.h"
#include "scheduler/duration_history.h"
#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// "event notifier task@created: detail" per delivery, oldest first.
std::vector<std::string> Alerts(Store& store) {
  std::vector<DeliveryRecord> all = *store.ListDeliveries({});
  std::vector<std::string> out;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    out.push_back(it->event + " " + it->notifier + " " + (it->task_id.empty() ? "-" : it->task_id) +
                  "@" + Iso(it->created) + ": " + it->detail);
  }
  return out;
}

TaskSpec TaskWith(std::optional<Duration> expected) {
  TaskSpec t;
  t.id = "load";
  t.expected_duration = expected;
  return t;
}

TEST(DurationHistoryTest, ExpectedDurationElseThreeTimesTheMedianOfFiveOrMore) {
  DurationHistory h;
  EXPECT_EQ(h.Threshold("d", TaskWith(minutes(7)))->limit, minutes(7));
  EXPECT_EQ(h.Threshold("d", TaskWith(minutes(7)))->basis, "expected_duration");
  EXPECT_EQ(h.Threshold("d", TaskWith(std::nullopt)), std::nullopt);  // not tracked

  h.Track("d", "load", {minutes(4), minutes(1), minutes(3), minutes(2)});
  EXPECT_EQ(h.Threshold("d", TaskWith(std::nullopt)), std::nullopt);  // 4 successes: too few
  h.Add("d", "load", minutes(10));
  std::optional<LongRunningThreshold> t = h.Threshold("d", TaskWith(std::nullopt));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->limit, minutes(9));  // median of 1, 2, 3, 4, 10 is 3
  EXPECT_EQ(t->basis, "3x the median of its last 5 successes");

  // Only the newest 10 count: ten of 1m push the old ones out.
  for (int i = 0; i < 10; ++i) h.Add("d", "load", minutes(1));
  EXPECT_EQ(h.Threshold("d", TaskWith(std::nullopt))->limit, minutes(3));
  h.Add("d", "other", minutes(5));  // not tracked: ignored
  EXPECT_FALSE(h.Tracks("d", "other"));
}

TEST(DurationHistoryTest, MedianOfAnEvenCountIsTheMeanOfTheMiddleTwo) {
  EXPECT_EQ(MedianDuration({seconds(4), seconds(1), seconds(2), seconds(10)}), seconds(3));
  EXPECT_EQ(MedianDuration({}), std::nullopt);
}

TEST(SlaDueTimeTest, ScheduledRunsAreDueAtTheirIntervalsEndOthersWhenQueued) {
  RunRecord r;
  r.type = RunType::kScheduled;
  r.logical_date = r.data_interval_start = T("2025-01-05T12:00:00Z");
  r.data_interval_end = T("2025-01-06T12:00:00Z");
  r.queued_at = T("2025-01-06T12:00:05Z");
  EXPECT_EQ(SlaDueTime(r), T("2025-01-06T12:00:00Z"));
  r.type = RunType::kManual;
  EXPECT_EQ(SlaDueTime(r), T("2025-01-06T12:00:05Z"));
}

constexpr const char* kDailyWithSla = R"(
dag: daily
schedule: "0 12 * * *"
start: 2025-01-01
sla: 30m
on_sla_miss: [ops, pager]
tasks:
  load: {run: "x"}
)";

// The clock starts at 2025-01-06T12:00:00Z: the run of 01-05 is due now (its interval ended).
TEST_F(SchedulerTest, ARunNotDoneAtItsSlaAlertsOnceThenEndsKeepingTheMiss) {
  source_.Set("/dags/daily.yaml", kDailyWithSla);
  executor_.Script("load", {{minutes(45), 0}});
  StartScheduler();
  RunUntil(T("2025-01-06T14:00:00Z"));
  RunRecord run = OnlyRun("daily");
  EXPECT_EQ(run.run_id, "scheduled__2025-01-05T12:00:00Z");
  EXPECT_EQ(run.state, RunState::kSuccess);
  EXPECT_EQ(run.end, T("2025-01-06T12:45:00Z"));
  EXPECT_EQ(run.sla_missed_at, T("2025-01-06T12:30:00Z"));
  const std::string detail = "not done 30m after it was due at 2025-01-06T12:00:00Z (sla 30m)";
  EXPECT_THAT(Alerts(*store_), ElementsAre("sla_miss ops -@2025-01-06T12:30:00Z: " + detail,
                                           "sla_miss pager -@2025-01-06T12:30:00Z: " + detail));
  std::vector<DeliveryRecord> all = *store_->ListDeliveries({});
  EXPECT_EQ(all[0].subject_state, "running");
  EXPECT_EQ(all[0].logical_date, T("2025-01-05T12:00:00Z"));
}

TEST_F(SchedulerTest, ARunDoneBeforeItsSlaAlertsNothing) {
  source_.Set("/dags/daily.yaml", kDailyWithSla);
  executor_.Script("load", {{minutes(29), 0}});
  StartScheduler();
  RunUntil(T("2025-01-06T14:00:00Z"));
  RunRecord run = OnlyRun("daily");
  EXPECT_EQ(run.state, RunState::kSuccess);
  EXPECT_EQ(run.sla_missed_at, std::nullopt);
  EXPECT_THAT(Alerts(*store_), IsEmpty());
}

TEST_F(SchedulerTest, AnSlaMissIsAlertedOnceAcrossARestart) {
  source_.Set("/dags/daily.yaml", kDailyWithSla);
  executor_.Script("load", {{minutes(90), 0}});
  StartScheduler();
  RunUntil(T("2025-01-06T12:40:00Z"));
  ASSERT_EQ(Alerts(*store_).size(), 2u);
  source_.Rewind();  // a restarted scheduler reads every DAG file again
  StartScheduler();  // re-reads the run: its miss is recorded, so no timer is armed again
  RunUntil(T("2025-01-06T14:00:00Z"));
  EXPECT_EQ(OnlyRun("daily").state, RunState::kSuccess);
  EXPECT_EQ(Alerts(*store_).size(), 2u);
}

TEST_F(SchedulerTest, AnSlaMissedWhileTheSchedulerWasDownIsAlertedAtOnce) {
  source_.Set("/dags/daily.yaml", kDailyWithSla);
  executor_.Script("load", {{minutes(90), 0}});
  StartScheduler();
  RunUntil(T("2025-01-06T12:10:00Z"));
  scheduler_.reset();  // down from 12:10 to 12:50, the miss (12:30) in between
  clock_.Set(T("2025-01-06T12:50:00Z"));
  source_.Rewind();
  StartScheduler();
  RunUntil(T("2025-01-06T12:51:00Z"));
  EXPECT_EQ(OnlyRun("daily").sla_missed_at, T("2025-01-06T12:50:00Z"));
  EXPECT_THAT(Alerts(*store_),
              ElementsAre("sla_miss ops -@2025-01-06T12:50:00Z: not done 30m after it was due at "
                          "2025-01-06T12:00:00Z (sla 30m)",
                          "sla_miss pager -@2025-01-06T12:50:00Z: not done 30m after it was due "
                          "at 2025-01-06T12:00:00Z (sla 30m)"));
}

TEST_F(SchedulerTest, ARunDoneLateWhileTheSchedulerWasDownAlertsNothing) {
  source_.Set("/dags/daily.yaml", kDailyWithSla);
  executor_.Script("load", {{minutes(40), 0}});
  StartScheduler();
  RunUntil(T("2025-01-06T12:10:00Z"));
  scheduler_.reset();
  // The attempt ends at 12:40 with no scheduler watching; the next one adopts its result.
  clock_.Set(T("2025-01-06T13:00:00Z"));
  source_.Rewind();
  StartScheduler();
  RunUntil(T("2025-01-06T14:00:00Z"));
  RunRecord run = OnlyRun("daily");
  EXPECT_EQ(run.state, RunState::kSuccess);
  EXPECT_EQ(run.sla_missed_at, std::nullopt);
  EXPECT_THAT(Alerts(*store_), IsEmpty());
}

TEST_F(SchedulerTest, AManualRunIsDueWhenTriggered) {
  source_.Set("/dags/m.yaml", R"(
dag: m
sla: 10m
on_sla_miss: [ops]
tasks:
  a: {run: "x"}
)");
  executor_.Script("a", {{minutes(20), 0}});
  StartScheduler();
  RunUntil(T("2025-01-06T12:05:00Z"));
  ASSERT_TRUE(scheduler_->TriggerRun("m", "{}", T("2024-06-01T00:00:00Z")).ok());
  RunUntil(T("2025-01-06T13:00:00Z"));
  EXPECT_THAT(Alerts(*store_),
              ElementsAre("sla_miss ops -@2025-01-06T12:15:00Z: not done 10m after it was due "
                          "at 2025-01-06T12:05:00Z (sla 10m)"));
}

TEST_F(SchedulerTest, AnAttemptPastItsExpectedDurationAlertsOnceAcrossARestart) {
  source_.Set("/dags/l.yaml", R"(
dag: l
on_long_running: [ops]
tasks:
  slow: {run: "x", expected_duration: 10m, on_long_running: [pager, ops]}
  quick: {run: "x", expected_duration: 10m}
)");
  executor_.Script("slow", {{minutes(25), 0}});
  executor_.Script("quick", {{minutes(9), 0}});
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("l", "{}").ok());
  RunUntil(T("2025-01-06T12:12:00Z"));
  const std::vector<std::string> expected = {
      "long_running pager slow@2025-01-06T12:10:00Z: running 10m, longer than 10m "
      "(expected_duration)",
      "long_running ops slow@2025-01-06T12:10:00Z: running 10m, longer than 10m "
      "(expected_duration)"};
  EXPECT_EQ(Alerts(*store_), expected);
  std::vector<DeliveryRecord> all = *store_->ListDeliveries({});
  EXPECT_EQ(all[0].try_number, 1);
  EXPECT_EQ(all[0].max_tries, 1);
  EXPECT_EQ(all[0].subject_state, "running");
  source_.Rewind();
  StartScheduler();  // adopts the attempt, which is marked: no second alert
  RunUntil(T("2025-01-06T13:00:00Z"));
  EXPECT_EQ(OnlyRun("l").state, RunState::kSuccess);
  EXPECT_EQ(Alerts(*store_), expected);
  const std::vector<AttemptRecord> attempts =
      *store_->ListAttempts("l", OnlyRun("l").run_id, "slow");
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].long_running_at, T("2025-01-06T12:10:00Z"));
}

// Runs of `dag` one after another, each triggered when the previous one ended: their tasks'
// durations come from `executor_` scripts per run.
class LongRunningHistoryTest : public SchedulerTest {
 protected:
  // Triggers a manual run now, its task taking `takes`, and turns until it ended.
  void RunOnce(Duration takes) {
    const std::string run_id = "manual__" + Iso(clock_.Now());
    executor_.Script(run_id + "/load", {{takes, 0}});
    auto triggered = scheduler_->TriggerRun("h", "{}");
    ASSERT_TRUE(triggered.ok()) << triggered.status().message();
    EXPECT_EQ(*triggered, run_id);
    RunUntil(clock_.Now() + takes + seconds(1));
  }
};

TEST_F(LongRunningHistoryTest, FourSuccessesAreTooFewFiveSetThreeTimesTheirMedian) {
  source_.Set("/dags/h.yaml", R"(
dag: h
tasks:
  load: {run: "x", on_long_running: [ops]}
)");
  StartScheduler();
  for (int i = 0; i < 4; ++i) RunOnce(minutes(10));
  // The fifth run takes an hour: with 4 successes behind it, nothing is watched.
  RunOnce(minutes(60));
  EXPECT_THAT(Alerts(*store_), IsEmpty());
  // Five successes now (10, 10, 10, 10, 60m; median 10m), read back from the store at start.
  source_.Rewind();
  StartScheduler();
  const TimePoint start = clock_.Now();
  RunOnce(minutes(31));
  EXPECT_THAT(Alerts(*store_), ElementsAre("long_running ops load@" + Iso(start + minutes(30)) +
                                           ": running 30m, longer than 30m (3x the median of "
                                           "its last 5 successes)"));
  // That success joins the history in memory: 10, 10, 10, 10, 60, 31 has median 10m still, and
  // an attempt that ends before 30m alerts nothing.
  RunOnce(minutes(29));
  EXPECT_EQ(Alerts(*store_).size(), 1u);
}

TEST_F(LongRunningHistoryTest, SuccessesCountedInMemoryWithoutARestart) {
  source_.Set("/dags/h.yaml", R"(
dag: h
on_long_running: [ops]
tasks:
  load: {run: "x"}
)");
  StartScheduler();
  for (int i = 0; i < 5; ++i) RunOnce(minutes(2));
  const TimePoint start = clock_.Now();
  RunOnce(minutes(7));
  EXPECT_THAT(Alerts(*store_), ElementsAre("long_running ops load@" + Iso(start + minutes(6)) +
                                           ": running 6m, longer than 6m (3x the median of its "
                                           "last 5 successes)"));
}

}  // namespace
}  // namespace sluice::testing
