// `external` sensors in the scheduler, in simulated time: the real Driver and Planner, two DAGs,
// the other DAG's tasks run by the fake executor. The sensor is woken by the other run's
// transitions (no poke timer), or reads the store once for a run that ended before.
#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr char kPrices[] = R"(
dag: prices
tasks:
  fetch: {run: "x"}
  publish: {run: "y", needs: [fetch]}
)";

class ExternalSensorTest : public SchedulerTest {
 protected:
  void SetUp() override {
    SchedulerTest::SetUp();
    executor_.Script("fetch", {{minutes(1), 0}});
    executor_.Script("publish", {{minutes(4), 0}});
    source_.Set("/dags/prices.yaml", kPrices);
  }
  void Report(const std::string& wait) {
    source_.Set("/dags/report.yaml",
                "dag: report\ntasks:\n  wait: " + wait + "\n  load: {run: \"z\", needs: [wait]}\n");
  }
  TaskInstanceRecord Ti(const std::string& dag, const std::string& task) {
    for (const auto& ti : *store_->ListTaskInstances(dag, OnlyRun(dag).run_id)) {
      if (ti.task_id == task) return ti;
    }
    ADD_FAILURE() << "no task " << task;
    return {};
  }
  std::string StateOf(const std::string& dag, const std::string& task) {
    return TaskStateName(Ti(dag, task).state);
  }
  // The task's transitions after the first two (none>scheduled>deferred), "to TIME detail".
  std::vector<std::string> Ends(const std::string& dag, const std::string& task) {
    std::vector<std::string> out;
    auto events = store_->ListEvents(0, 100000);
    if (!events.ok()) return out;
    for (const auto& e : *events) {
      if (e.dag_id == dag && e.task_id == task && e.kind == "task_state" && e.from == "deferred") {
        out.push_back(e.to + " " + Iso(e.time) + " " + e.detail);
      }
    }
    return out;
  }
  Result<std::string> Trigger(const std::string& dag, std::optional<TimePoint> date = {}) {
    return scheduler_->TriggerRun(dag, "{}", date);
  }
};

TEST_F(ExternalSensorTest, AnotherRunsTransitionMeetsItAtOnceWithoutAPokeTimer) {
  Report("{sensor: external, dag: prices, task: publish}");
  StartScheduler();
  ASSERT_TRUE(Trigger("report").ok());
  RunUntil(T("2025-01-06T12:00:30Z"));
  TaskInstanceRecord wait = Ti("report", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("deferred"));
  EXPECT_EQ(wait.pokes, 1);  // one store read: no run yet
  EXPECT_EQ(wait.last_poke, "no run of prices at 2025-01-06T12:00:00Z yet");
  EXPECT_FALSE(wait.next_try_at.has_value());  // nothing polls

  // The other run, at the same logical date, created at 12:00:30: fetch 1m, publish 4m.
  ASSERT_TRUE(Trigger("prices", T("2025-01-06T12:00:00Z")).ok());
  RunUntil(T("2025-01-06T12:03:00Z"));
  wait = Ti("report", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("deferred"));
  EXPECT_EQ(wait.last_poke, "run prices/manual__2025-01-06T12:00:00Z: task publish is running");
  EXPECT_FALSE(wait.next_try_at.has_value());
  RunUntil(T("2025-01-06T12:10:00Z"));
  // Met the instant publish succeeded, in the same commit.
  EXPECT_EQ(Iso(*Ti("prices", "publish").end), "2025-01-06T12:05:30Z");
  wait = Ti("report", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("success"));
  EXPECT_EQ(Iso(*wait.end), "2025-01-06T12:05:30Z");
  EXPECT_EQ(
      Ends("report", "wait"),
      (std::vector<std::string>{"success 2025-01-06T12:05:30Z check " + std::to_string(wait.pokes) +
                                ": run prices/manual__2025-01-06T12:00:00Z: task publish "
                                "is success"}));
  EXPECT_EQ(StateOf("report", "load"), "success");
  EXPECT_EQ(Launches().back(), "load@2025-01-06T12:05:30Z");
}

TEST_F(ExternalSensorTest, ARunThatEndedBeforeIsReadOnceFromTheStore) {
  Report("{sensor: external, dag: prices, task: publish}");
  StartScheduler();
  ASSERT_TRUE(Trigger("prices").ok());
  RunUntil(T("2025-01-06T12:10:00Z"));
  EXPECT_EQ(RunStateName(OnlyRun("prices").state), std::string("success"));
  ASSERT_TRUE(Trigger("report", T("2025-01-06T12:00:00Z")).ok());
  RunUntil(T("2025-01-06T12:11:00Z"));
  TaskInstanceRecord wait = Ti("report", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("success"));
  EXPECT_EQ(wait.pokes, 1);
  EXPECT_EQ(Iso(*wait.end), "2025-01-06T12:10:00Z");
  EXPECT_EQ(Ends("report", "wait"),
            (std::vector<std::string>{"success 2025-01-06T12:10:00Z check 1: run "
                                      "prices/manual__2025-01-06T12:00:00Z: task publish is "
                                      "success"}));
}

TEST_F(ExternalSensorTest, ANegativeOffsetWaitsForAnEarlierRun) {
  // A daily report waits for the prices of the day before its own logical date.
  Report("{sensor: external, dag: prices, task: publish, offset: -1d}");
  StartScheduler();
  ASSERT_TRUE(Trigger("report").ok());
  RunUntil(T("2025-01-06T12:01:00Z"));
  EXPECT_EQ(Ti("report", "wait").last_poke, "no run of prices at 2025-01-05T12:00:00Z yet");
  ASSERT_TRUE(Trigger("prices", T("2025-01-06T12:00:00Z")).ok());  // the same day: not it
  RunUntil(T("2025-01-06T12:10:00Z"));
  EXPECT_EQ(StateOf("report", "wait"), "deferred");
  ASSERT_TRUE(Trigger("prices", T("2025-01-05T12:00:00Z")).ok());
  RunUntil(T("2025-01-06T12:20:00Z"));
  TaskInstanceRecord wait = Ti("report", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("success"));
  EXPECT_EQ(Iso(*wait.end), "2025-01-06T12:15:00Z");
  EXPECT_EQ(wait.last_poke, "run prices/manual__2025-01-05T12:00:00Z: task publish is success");
}

TEST_F(ExternalSensorTest, WithoutATaskItWaitsForTheRunsState) {
  Report("{sensor: external, dag: prices}");
  StartScheduler();
  ASSERT_TRUE(Trigger("report").ok());
  ASSERT_TRUE(Trigger("prices").ok());
  RunUntil(T("2025-01-06T12:02:00Z"));
  EXPECT_EQ(StateOf("report", "wait"), "deferred");
  EXPECT_EQ(Ti("report", "wait").last_poke, "run prices/manual__2025-01-06T12:00:00Z is running");
  RunUntil(T("2025-01-06T12:10:00Z"));
  EXPECT_EQ(Ends("report", "wait"),
            (std::vector<std::string>{"success 2025-01-06T12:05:00Z check " +
                                      std::to_string(Ti("report", "wait").pokes) +
                                      ": run prices/manual__2025-01-06T12:00:00Z is success"}));
}

TEST_F(ExternalSensorTest, StatesListsWhatItWaitsFor) {
  executor_.Script("publish", {{minutes(4), 1}});
  Report("{sensor: external, dag: prices, task: publish, states: [failed, skipped]}");
  StartScheduler();
  ASSERT_TRUE(Trigger("report").ok());
  ASSERT_TRUE(Trigger("prices").ok());
  RunUntil(T("2025-01-06T12:10:00Z"));
  EXPECT_EQ(StateOf("prices", "publish"), "failed");
  EXPECT_EQ(StateOf("report", "wait"), "success");
  EXPECT_EQ(Iso(*Ti("report", "wait").end), "2025-01-06T12:05:00Z");
  EXPECT_EQ(Ti("report", "wait").last_poke,
            "run prices/manual__2025-01-06T12:00:00Z: task publish is failed");
}

TEST_F(ExternalSensorTest, TimeoutFailsAtTheExactTime) {
  Report("{sensor: external, dag: prices, task: publish, timeout: 10m, retries: 2}");
  StartScheduler();
  ASSERT_TRUE(Trigger("report").ok());
  RunUntil(T("2025-01-06T13:00:00Z"));
  EXPECT_EQ(Ends("report", "wait"),
            (std::vector<std::string>{"failed 2025-01-06T12:10:00Z sensor timed out after 10m "
                                      "(check 1: no run of prices at 2025-01-06T12:00:00Z yet)"}));
  EXPECT_EQ(StateOf("report", "load"), "upstream_failed");
  EXPECT_EQ(RunStateName(OnlyRun("report").state), std::string("failed"));
}

TEST_F(ExternalSensorTest, SoftFailEndsSkippedAtTheTimeout) {
  executor_.Script("publish", {{minutes(20), 0}});  // not done in time: it ends at 12:21
  Report("{sensor: external, dag: prices, task: publish, timeout: 10m, soft_fail: true}");
  StartScheduler();
  ASSERT_TRUE(Trigger("report").ok());
  ASSERT_TRUE(Trigger("prices").ok());
  RunUntil(T("2025-01-06T13:00:00Z"));
  const std::vector<std::string> ends = Ends("report", "wait");
  ASSERT_EQ(ends.size(), 1u);
  EXPECT_EQ(ends[0].substr(0, ends[0].find(" (check")),
            "skipped 2025-01-06T12:10:00Z sensor timed out after 10m (soft_fail)");
  EXPECT_NE(ends[0].find(": run prices/manual__2025-01-06T12:00:00Z: task publish is"),
            std::string::npos);
  EXPECT_EQ(StateOf("report", "load"), "skipped");
  EXPECT_EQ(RunStateName(OnlyRun("report").state), std::string("success"));
}

TEST_F(ExternalSensorTest, ARestartRegistersItAgainAndChecksOnce) {
  Report("{sensor: external, dag: prices, task: publish, timeout: 1h}");
  StartScheduler();
  ASSERT_TRUE(Trigger("report").ok());
  RunUntil(T("2025-01-06T12:01:00Z"));
  EXPECT_EQ(Ti("report", "wait").pokes, 1);
  source_.Rewind();  // the new process reads the DAG files afresh
  StartScheduler();  // a crash and a restart at 12:01
  RunUntil(T("2025-01-06T12:02:00Z"));
  TaskInstanceRecord wait = Ti("report", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("deferred"));
  EXPECT_EQ(wait.pokes, 2);
  EXPECT_EQ(Iso(*wait.last_poke_at), "2025-01-06T12:01:00Z");
  auto prices = Trigger("prices", T("2025-01-06T12:00:00Z"));
  ASSERT_TRUE(prices.ok()) << prices.status().message();
  RunUntil(T("2025-01-06T12:10:00Z"));
  EXPECT_EQ(StateOf("report", "wait"), "success");
  EXPECT_EQ(Iso(*Ti("report", "wait").end), "2025-01-06T12:07:00Z");
}

TEST_F(ExternalSensorTest, AKilledWaiterLeavesTheIndexAndAClearedOneWaitsAnew) {
  Report("{sensor: external, dag: prices, task: publish}");
  command_poll_interval_ = seconds(1);
  StartScheduler();
  auto run_id = Trigger("report");
  ASSERT_TRUE(run_id.ok());
  RunUntil(T("2025-01-06T12:00:30Z"));
  const std::string args = R"({"dag":"report","run":")" + *run_id + R"(","task":"wait"})";
  CommandRecord done = SendCommand("kill", args);
  EXPECT_EQ(done.result,
            "killed task 'wait' of run '" + *run_id + "' (a sensor waiting, after 1 poke)");
  ASSERT_TRUE(Trigger("prices", T("2025-01-06T12:00:00Z")).ok());
  RunUntil(T("2025-01-06T12:10:00Z"));
  EXPECT_EQ(StateOf("prices", "publish"), "success");
  EXPECT_EQ(StateOf("report", "wait"), "failed");  // the kill stands: no longer a waiter
  EXPECT_EQ(Ti("report", "wait").pokes, 1);

  // Cleared, it waits anew: the other run has ended, so the store is read once.
  Command("clear", args);
  RunUntil(T("2025-01-06T12:15:00Z"));
  TaskInstanceRecord wait = Ti("report", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("success"));
  EXPECT_EQ(wait.pokes, 1);
  EXPECT_EQ(wait.last_poke, "run prices/manual__2025-01-06T12:00:00Z: task publish is success");
}

TEST_F(ExternalSensorTest, TheOtherRunClearedAndRunAgainWakesIt) {
  executor_.Script("publish", {{minutes(4), 1}, {minutes(2), 0}});
  Report("{sensor: external, dag: prices, task: publish}");
  command_poll_interval_ = seconds(1);
  StartScheduler();
  ASSERT_TRUE(Trigger("report").ok());
  auto prices = Trigger("prices");
  ASSERT_TRUE(prices.ok());
  RunUntil(T("2025-01-06T12:10:00Z"));
  EXPECT_EQ(RunStateName(OnlyRun("prices").state), std::string("failed"));
  TaskInstanceRecord wait = Ti("report", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("deferred"));
  EXPECT_EQ(wait.last_poke, "run prices/" + *prices + ": task publish is failed");
  Command("clear", R"({"dag":"prices","run":")" + *prices + R"(","task":"publish"})");
  RunUntil(T("2025-01-06T12:20:00Z"));
  EXPECT_EQ(StateOf("prices", "publish"), "success");
  wait = Ti("report", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("success"));
  EXPECT_EQ(*wait.end, *Ti("prices", "publish").end);
}

}  // namespace
}  // namespace sluice::testing
