// Issue 14: the alerts a commit causes, written with it (AddAlertDeliveries), and end to end in
// simulated time through the real driver and planner.
#include "scheduler/alert_events.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scheduler/run_builder.h"
#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;

// "event notifier task state try/max" per delivery, in order.
std::vector<std::string> Summaries(const std::vector<DeliveryRecord>& deliveries) {
  std::vector<std::string> out;
  for (const auto& d : deliveries) {
    out.push_back(d.event + " " + d.notifier + " " + (d.task_id.empty() ? "-" : d.task_id) + " " +
                  d.subject_state + " " + std::to_string(d.try_number) + "/" +
                  std::to_string(d.max_tries));
  }
  return out;
}

TEST(AlertEventsTest, TaskAndRunTransitionsAlertTheirListsOnce) {
  DagSpec dag;
  dag.id = "etl";
  dag.on_failure = {"ops", "mail"};
  dag.on_success = {"ops"};
  TaskSpec a;
  a.id = "a";
  a.retries = 2;
  a.on_failure = {"mail", "pager"};
  a.on_retry = {"ops"};
  TaskSpec b;
  b.id = "b";
  dag.tasks = {a, b};
  const TimePoint now = T("2025-01-02T00:00:05Z");

  WriteBatch w;
  TaskInstanceRecord ta{.dag_id = "etl", .run_id = "r", .task_id = "a"};
  ta.state = TaskState::kUpForRetry;
  ta.try_number = 1;
  w.task_transitions.push_back({ta, TaskState::kRunning});
  w.events.push_back(TaskStateEvent(now, ta, TaskState::kRunning, "exit code 1"));
  AttemptRecord attempt{.dag_id = "etl", .run_id = "r", .task_id = "a", .try_number = 1};
  attempt.log_path = "/logs/etl/r/a.1.log";
  w.attempts.push_back(attempt);
  TaskInstanceRecord tb{.dag_id = "etl", .run_id = "r", .task_id = "b"};
  tb.state = TaskState::kFailed;
  tb.try_number = 1;
  w.task_transitions.push_back({tb, TaskState::kRunning});
  w.events.push_back(TaskStateEvent(now, tb, TaskState::kRunning, "exit code 2"));
  TaskInstanceRecord tc = tb;
  tc.task_id = "a";
  tc.state = TaskState::kUpstreamFailed;  // alerts no one
  w.events.push_back(TaskStateEvent(now, tc, TaskState::kNone, ""));
  RunRecord run{.dag_id = "etl", .run_id = "r", .state = RunState::kFailed};
  w.events.push_back(RunStateEvent(now, run, "running", ""));

  AlertLookup lookup;
  lookup.dag = [&](const std::string& id) { return id == "etl" ? &dag : nullptr; };
  lookup.logical_date = [](const std::string&, const std::string&) {
    return std::optional<TimePoint>(T("2025-01-02T00:00:00Z"));
  };
  AddAlertDeliveries(&w, lookup);
  EXPECT_THAT(Summaries(w.deliveries),
              ElementsAre("retry ops a up_for_retry 1/3", "failure ops b failed 1/1",
                          "failure mail b failed 1/1", "failure ops - failed 0/0",
                          "failure mail - failed 0/0"));
  EXPECT_EQ(w.deliveries[0].log_path, "/logs/etl/r/a.1.log");
  EXPECT_EQ(w.deliveries[0].created, now);
  EXPECT_EQ(w.deliveries[0].next_attempt, now);
  EXPECT_EQ(w.deliveries[0].logical_date, T("2025-01-02T00:00:00Z"));
  EXPECT_EQ(w.deliveries[0].state, DeliveryState::kPending);
}

TEST_F(SchedulerTest, AFailedRunAlertsWithItsTransitionAndARetryAlertsToo) {
  source_.Set("/dags/f.yaml", R"(
dag: f
on_failure: [ops]
tasks:
  a: {run: "x", retries: 1, retry_delay: 10s, on_retry: [ops], on_failure: [pager]}
)");
  executor_.Script("a", {{seconds(1), 2}});
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("f", "{}").ok());
  RunUntil(T("2025-01-06T13:00:00Z"));
  RunRecord run = OnlyRun("f");
  ASSERT_EQ(RunStateName(run.state), std::string("failed"));
  std::vector<DeliveryRecord> all = *store_->ListDeliveries({});
  std::reverse(all.begin(), all.end());  // oldest first
  EXPECT_THAT(Summaries(all),
              ElementsAre("retry ops a up_for_retry 1/2", "failure pager a failed 2/2",
                          "failure ops a failed 2/2", "failure ops - failed 0/0"));
  for (const auto& d : all) {
    EXPECT_EQ(d.run_id, run.run_id);
    EXPECT_EQ(d.logical_date, run.logical_date);
  }
  EXPECT_EQ(all[1].log_path, dir_.path() + "/logs/f/" + run.run_id + "/a.2.log");
}

TEST_F(SchedulerTest, ARunWithoutOnKeysAlertsNoOne) {
  source_.Set("/dags/q.yaml", R"(
dag: q
tasks:
  a: {run: "x"}
)");
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("q", "{}").ok());
  RunUntil(T("2025-01-06T13:00:00Z"));
  EXPECT_TRUE(store_->ListDeliveries({})->empty());
}

}  // namespace
}  // namespace sluice::testing
