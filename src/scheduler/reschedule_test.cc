// Command sensors in the scheduler, in simulated time (reschedule.cc): a `mode: reschedule`
// sensor's pokes are attempts of the FakeExecutor (try n is poke n), a `mode: poke` one is one
// attempt that pokes in a loop.
#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

FakeAttemptScript Exit(int code, Duration took = seconds(1)) {
  FakeAttemptScript s;
  s.exit_code = code;
  s.duration = took;
  return s;
}

class RescheduleTest : public SchedulerTest {
 protected:
  TaskInstanceRecord Ti(const std::string& dag, const std::string& task) {
    for (const auto& ti : *store_->ListTaskInstances(dag, OnlyRun(dag).run_id)) {
      if (ti.task_id == task) return ti;
    }
    ADD_FAILURE() << "no task " << task;
    return {};
  }
  std::vector<std::string> Events(const std::string& dag, const std::string& task) {
    std::vector<std::string> out;
    auto events = store_->ListEvents(0, 100000);
    if (!events.ok()) return out;
    for (const auto& e : *events) {
      if (e.dag_id == dag && e.task_id == task && e.kind == "task_state") {
        out.push_back(e.from + ">" + e.to + " " + Iso(e.time) +
                      (e.detail.empty() ? "" : " " + e.detail));
      }
    }
    return out;
  }
  // The pokes' states and exit codes, "TRY:STATE", from the attempts the store holds.
  std::vector<std::string> Attempts(const std::string& dag, const std::string& task) {
    std::vector<std::string> out;
    auto attempts = store_->ListAttempts(dag, OnlyRun(dag).run_id, task);
    if (!attempts.ok()) return out;
    for (const auto& a : *attempts) {
      out.push_back(std::to_string(a.try_number) + ":" + AttemptStateName(a.state));
    }
    return out;
  }
};

TEST_F(RescheduleTest, DeferredBetweenPokesHoldingTheSlotOnlyWhileAPokeRuns) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: command, run: "test -s in/{{ ds }}.done", mode: reschedule, poke_every: 30s}
  load: {run: "x", needs: [wait]}
  other: {run: "y"}
)");
  executor_.Script("wait", {Exit(1, seconds(5)), Exit(1, seconds(5)), Exit(0, seconds(5))});
  executor_.Script("other", {Exit(0, seconds(40))});
  StartScheduler(/*parallelism=*/1);
  ASSERT_TRUE(scheduler_->TriggerRun("s", "{}").ok());

  RunUntil(T("2025-01-06T12:00:20Z"));
  TaskInstanceRecord wait = Ti("s", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("deferred"));
  EXPECT_EQ(wait.pokes, 1);
  EXPECT_EQ(wait.last_poke, "exit code 1");
  EXPECT_EQ(Iso(*wait.last_poke_at), "2025-01-06T12:00:05Z");
  EXPECT_EQ(Iso(*wait.next_try_at), "2025-01-06T12:00:35Z");
  EXPECT_EQ(wait.try_number, 1);
  // Between pokes the one slot is free: `other` took it when the first poke ended.
  EXPECT_EQ(TaskStateName(Ti("s", "other").state), std::string("running"));

  // Poke 2 is due at 12:00:35 and waits for the slot `other` holds until 12:00:45.
  RunUntil(T("2025-01-06T12:00:40Z"));
  EXPECT_EQ(TaskStateName(Ti("s", "wait").state), std::string("scheduled"));

  RunUntil(T("2025-01-06T12:05:00Z"));
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"wait@2025-01-06T12:00:00Z", "other@2025-01-06T12:00:05Z",
                                      "wait@2025-01-06T12:00:45Z", "wait@2025-01-06T12:01:20Z",
                                      "load@2025-01-06T12:01:25Z"}));
  EXPECT_EQ(executor_.max_concurrent(), 1);
  // Each poke is `/bin/sh -c COMMAND`, rendered for the run, a try of its own.
  EXPECT_EQ(executor_.launched()[0].argv,
            (std::vector<std::string>{"/bin/sh", "-c", "test -s in/'2025-01-06'.done"}));
  wait = Ti("s", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("success"));
  EXPECT_EQ(wait.pokes, 3);
  EXPECT_EQ(wait.try_number, 3);
  EXPECT_EQ(wait.last_poke, "exit code 0");
  EXPECT_EQ(Iso(*wait.start), "2025-01-06T12:00:00Z");
  EXPECT_EQ(Iso(*wait.end), "2025-01-06T12:01:25Z");
  EXPECT_EQ(Attempts("s", "wait"), (std::vector<std::string>{"1:failed", "2:failed", "3:success"}));
  auto claimed = [](const std::string& at, const std::string& until) {
    return "queued>running 2025-01-06T" + at + "Z claimed by local@localhost until 2025-01-06T" +
           until + "Z";
  };
  auto not_met = [](int poke, const std::string& at, const std::string& next) {
    return "running>deferred 2025-01-06T" + at + "Z poke " + std::to_string(poke) +
           ": exit code 1; next poke at 2025-01-06T" + next + "Z";
  };
  EXPECT_EQ(
      Events("s", "wait"),
      (std::vector<std::string>{
          "none>scheduled 2025-01-06T12:00:00Z", "scheduled>queued 2025-01-06T12:00:00Z try 1",
          claimed("12:00:00", "12:01:00"), not_met(1, "12:00:05", "12:00:35"),
          "deferred>scheduled 2025-01-06T12:00:35Z poke 2 due",
          "scheduled>queued 2025-01-06T12:00:45Z try 2", claimed("12:00:45", "12:01:45"),
          not_met(2, "12:00:50", "12:01:20"), "deferred>scheduled 2025-01-06T12:01:20Z poke 3 due",
          "scheduled>queued 2025-01-06T12:01:20Z try 3", claimed("12:01:20", "12:02:20"),
          "running>success 2025-01-06T12:01:25Z poke 3: exit code 0"}));
  EXPECT_EQ(RunStateName(OnlyRun("s").state), std::string("success"));
}

TEST_F(RescheduleTest, BackoffUpToMaxPokeEveryThenTheTimeoutEndsItSkippedWithSoftFail) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: command, run: "false", mode: reschedule, poke_every: 10s,
         poke_backoff: exponential, max_poke_every: 40s, timeout: 2m, soft_fail: true,
         retries: 2}
  load: {run: "x", needs: [wait]}
)");
  executor_.Script("wait", {Exit(1, seconds(1))});
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("s", "{}").ok());
  RunUntil(T("2025-01-06T12:10:00Z"));
  // Waits of 10s, 20s, 40s, 40s after each poke's end; the next would be after the timeout.
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"wait@2025-01-06T12:00:00Z", "wait@2025-01-06T12:00:11Z",
                                      "wait@2025-01-06T12:00:32Z", "wait@2025-01-06T12:01:13Z",
                                      "wait@2025-01-06T12:01:54Z"}));
  TaskInstanceRecord wait = Ti("s", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("skipped"));
  EXPECT_EQ(wait.pokes, 5);
  EXPECT_EQ(Iso(*wait.end), "2025-01-06T12:02:00Z");
  EXPECT_EQ(Events("s", "wait").back(),
            "deferred>skipped 2025-01-06T12:02:00Z sensor timed out after 2m (soft_fail) (poke "
            "5: exit code 1)");
  EXPECT_EQ(TaskStateName(Ti("s", "load").state), std::string("skipped"));
  EXPECT_EQ(RunStateName(OnlyRun("s").state), std::string("success"));
}

TEST_F(RescheduleTest, APokeRunningAtTheTimeoutIsStoppedAndTheSensorFailsWithoutRetry) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: command, run: "./slow.sh", mode: reschedule, poke_every: 1m, timeout: 90s,
         retries: 2}
)");
  executor_.Script("wait", {Exit(1, seconds(10)), Exit(0, hours(1))});
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("s", "{}").ok());
  RunUntil(T("2025-01-06T12:10:00Z"));
  // Poke 2 starts at 12:01:10 with the 20s left of the timeout.
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"wait@2025-01-06T12:00:00Z", "wait@2025-01-06T12:01:10Z"}));
  EXPECT_EQ(*executor_.launched()[1].timeout, Duration(seconds(20)));
  TaskInstanceRecord wait = Ti("s", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("failed"));
  EXPECT_EQ(wait.try_number, 2);
  EXPECT_EQ(wait.last_poke, "timed out");
  EXPECT_EQ(Events("s", "wait").back(),
            "running>failed 2025-01-06T12:01:30Z sensor timed out after 1m30s (poke 2: timed "
            "out)");
  EXPECT_EQ(RunStateName(OnlyRun("s").state), std::string("failed"));
}

TEST_F(RescheduleTest, ARestartArmsTheNextPokeOrAdoptsTheRunningOne) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: command, run: "false", mode: reschedule, poke_every: 1m}
)");
  executor_.Script("wait", {Exit(1, seconds(5)), Exit(1, seconds(30)), Exit(0, seconds(5))});
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("s", "{}").ok());
  RunUntil(T("2025-01-06T12:00:30Z"));
  StartScheduler();  // a crash while deferred: the next poke stays at 12:01:05
  RunUntil(T("2025-01-06T12:01:20Z"));
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"wait@2025-01-06T12:00:00Z", "wait@2025-01-06T12:01:05Z"}));
  EXPECT_EQ(TaskStateName(Ti("s", "wait").state), std::string("running"));
  StartScheduler();  // a crash while poke 2 runs: it is adopted, and its end counts
  RunUntil(T("2025-01-06T12:05:00Z"));
  EXPECT_EQ(executor_.adopted(), 1);
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"wait@2025-01-06T12:00:00Z", "wait@2025-01-06T12:01:05Z",
                                      "wait@2025-01-06T12:02:35Z"}));
  TaskInstanceRecord wait = Ti("s", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("success"));
  EXPECT_EQ(wait.pokes, 3);
  EXPECT_EQ(Iso(*wait.start), "2025-01-06T12:00:00Z");
}

TEST_F(RescheduleTest, KillEndsADeferredSensorFailedWithoutRetry) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: command, run: "false", mode: reschedule, poke_every: 1m, retries: 2}
)");
  executor_.Script("wait", {Exit(1, seconds(5))});
  command_poll_interval_ = seconds(1);
  StartScheduler();
  auto run_id = scheduler_->TriggerRun("s", "{}");
  ASSERT_TRUE(run_id.ok());
  RunUntil(T("2025-01-06T12:00:30Z"));
  CommandRecord done =
      SendCommand("kill", R"({"dag":"s","run":")" + *run_id + R"(","task":"wait"})");
  EXPECT_EQ(done.result,
            "killed task 'wait' of run '" + *run_id + "' (a sensor waiting, after 1 poke)");
  RunUntil(T("2025-01-06T12:05:00Z"));
  EXPECT_EQ(TaskStateName(Ti("s", "wait").state), std::string("failed"));
  EXPECT_EQ(Launches().size(), 1u);
}

TEST_F(RescheduleTest, APokeThatCannotStartFailsTheSensorWithTheReason) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: command, run: "true", mode: reschedule, pool: nowhere, retries: 2}
)");
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("s", "{}").ok());
  RunUntil(T("2025-01-06T12:05:00Z"));
  TaskInstanceRecord wait = Ti("s", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("failed"));
  EXPECT_EQ(wait.pokes, 0);
  EXPECT_EQ(wait.try_number, 1);
  EXPECT_EQ(Events("s", "wait").back(),
            "running>failed 2025-01-06T12:00:00Z pool 'nowhere' is not in sluice.yaml's pools "
            "(pools: default)");
  EXPECT_TRUE(Launches().empty());
}

TEST_F(RescheduleTest, PokeModeIsOneProcessAndItsTimeoutIsNotRetried) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: command, run: "false", poke_every: 5s, timeout: 1m, soft_fail: true,
         retries: 2}
  load: {run: "x", needs: [wait]}
)");
  executor_.Script("wait", {Exit(0, hours(1))});
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("s", "{}").ok());
  RunUntil(T("2025-01-06T12:10:00Z"));
  EXPECT_EQ(Launches(), (std::vector<std::string>{"wait@2025-01-06T12:00:00Z"}));
  EXPECT_EQ(executor_.launched()[0].argv[0], "/bin/sh");
  EXPECT_EQ(executor_.launched()[0].argv[4], "false");  // the loop's $1
  EXPECT_EQ(*executor_.launched()[0].timeout, Duration(minutes(1)));
  EXPECT_EQ(Events("s", "wait").back(),
            "running>skipped 2025-01-06T12:01:00Z sensor timed out after 1m (soft_fail)");
  EXPECT_EQ(TaskStateName(Ti("s", "load").state), std::string("skipped"));
}

}  // namespace
}  // namespace sluice::testing
