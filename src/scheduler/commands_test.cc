// Commands a user sends to a running scheduler (through the commands table, as the CLI does):
// kill, mark, cancel and the clears of a run, with their messages. Clear of one task, pause and
// trigger: scheduler_controls_test.cc.
#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class CommandsTest : public SchedulerTest {
 protected:
  void SetUp() override {
    SchedulerTest::SetUp();
    command_poll_interval_ = seconds(10);
    source_.Set("/dags/k.yaml", R"(
dag: k
tasks:
  slow: {run: "x", retries: 3, retry_delay: 1m}
  after: {run: "x", needs: [slow]}
)");
    executor_.Script("slow", {{minutes(30), 0}});
    StartScheduler();
    run_id_ = *scheduler_->TriggerRun("k", "{}");
    RunUntil(T("2025-01-06T12:01:00Z"));
    ASSERT_EQ(TaskStates("k", run_id_)["slow"], (State{"running", 1}));
  }
  std::string Args(const std::string& task, const std::string& extra = "") {
    return R"({"dag":"k","run":")" + run_id_ + R"(","task":")" + task + "\"" + extra + "}";
  }
  std::string run_id_;
};

TEST_F(CommandsTest, KillStopsARunningTaskWhichFailsWithoutARetry) {
  CommandRecord done = SendCommand("kill", Args("slow"));
  EXPECT_EQ(done.state, "done");
  EXPECT_EQ(done.result, "killed task 'slow' of run '" + run_id_ + "' (try 1)");
  RunUntil(T("2025-01-06T13:00:00Z"));
  auto states = TaskStates("k", run_id_);
  EXPECT_EQ(states["slow"], (State{"failed", 1}));
  EXPECT_EQ(states["after"], (State{"upstream_failed", 0}));
  EXPECT_EQ(RunStateName(OnlyRun("k").state), std::string("failed"));
  auto attempts = *store_->ListAttempts("k", run_id_, "slow");
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].signal, 15);
  bool reason = false;
  for (const auto& e : *store_->ListEvents(0, 1000)) {
    reason = reason || (e.task_id == "slow" && e.to == "failed" &&
                        e.detail == "killed by hand (killed by signal 15)");
  }
  EXPECT_TRUE(reason) << "the failure says it was killed by hand";
}

TEST_F(CommandsTest, KillOfATaskThatIsNotRunningFailsAndSaysWhy) {
  CommandRecord done = SendCommand("kill", Args("after"));
  EXPECT_EQ(done.state, "failed");
  EXPECT_EQ(done.result, "task 'after' of run '" + run_id_ + "' is not running (state none)");
  done = SendCommand("kill", R"({"dag":"k","run":"nope","task":"slow"})");
  EXPECT_EQ(done.result, "task 'slow' of run 'nope' is not running (its run is not open)");
  EXPECT_EQ(TaskStates("k", run_id_)["slow"], (State{"running", 1}));
}

TEST_F(CommandsTest, MarkSuccessStopsTheAttemptAndLetsDownstreamRun) {
  CommandRecord done = SendCommand("mark", Args("slow", R"(,"state":"success")"));
  EXPECT_EQ(done.state, "done") << done.result;
  EXPECT_EQ(done.result, "marked task 'slow' of run '" + run_id_ + "' success (was running)");
  RunUntil(T("2025-01-06T13:00:00Z"));
  auto states = TaskStates("k", run_id_);
  EXPECT_EQ(states["slow"], (State{"success", 1}));
  EXPECT_EQ(states["after"], (State{"success", 1}));
  EXPECT_EQ(RunStateName(OnlyRun("k").state), std::string("success"));
  EXPECT_EQ(store_->ListAttempts("k", run_id_, "slow")->at(0).signal, 15);
}

TEST_F(CommandsTest, MarkInAFinishedRunChangesTheRunByItsLeaves) {
  ASSERT_EQ(SendCommand("kill", Args("slow")).state, "done");
  RunUntil(T("2025-01-06T13:00:00Z"));
  ASSERT_EQ(RunStateName(OnlyRun("k").state), std::string("failed"));
  // `after` is the leaf: marking it success makes the run a success; `slow` stays failed.
  CommandRecord done = SendCommand("mark", Args("after", R"(,"state":"success")"));
  EXPECT_EQ(done.result, "marked task 'after' of run '" + run_id_ +
                             "' success (was upstream_failed); the run is now success");
  auto states = TaskStates("k", run_id_);
  EXPECT_EQ(states["slow"], (State{"failed", 1}));
  EXPECT_EQ(states["after"], (State{"success", 0}));
  EXPECT_EQ(RunStateName(OnlyRun("k").state), std::string("success"));
  EXPECT_EQ(SendCommand("mark", Args("after", R"(,"state":"success")")).result,
            "task 'after' of run '" + run_id_ + "' is already success");
}

TEST_F(CommandsTest, MarkRefusesOtherStatesAndUnknownTasks) {
  CommandRecord done = SendCommand("mark", Args("slow", R"(,"state":"skipped")"));
  EXPECT_EQ(done.state, "failed");
  EXPECT_EQ(done.result, "a task can be marked success or failed, not skipped");
  done = SendCommand("mark", Args("nope", R"(,"state":"failed")"));
  EXPECT_EQ(done.result, "dag 'k' has no task 'nope' in run '" + run_id_ + "'");
  EXPECT_EQ(TaskStates("k", run_id_)["slow"], (State{"running", 1}));
}

TEST_F(CommandsTest, ClearOfAWholeRunOnlyFailedAndUpstream) {
  ASSERT_EQ(SendCommand("kill", Args("slow")).state, "done");
  RunUntil(T("2025-01-06T13:00:00Z"));
  ASSERT_EQ(RunStateName(OnlyRun("k").state), std::string("failed"));
  executor_.Script("slow", {{minutes(1), 0}});
  // Only the failed ones: slow (failed) and after (upstream_failed); both run again.
  CommandRecord done = SendCommand(
      "clear", R"({"dag":"k","run":")" + run_id_ + R"(","task":"","only_failed":true})");
  EXPECT_EQ(done.state, "done") << done.result;
  EXPECT_EQ(done.result, "cleared 2 task(s): slow, after");
  RunUntil(T("2025-01-06T14:00:00Z"));
  EXPECT_EQ(TaskStates("k", run_id_)["slow"], (State{"success", 2}));
  EXPECT_EQ(TaskStates("k", run_id_)["after"], (State{"success", 1}));
  EXPECT_EQ(RunStateName(OnlyRun("k").state), std::string("success"));
  done = SendCommand("clear",
                     R"({"dag":"k","run":")" + run_id_ + R"(","task":"","only_failed":true})");
  EXPECT_EQ(done.state, "failed");
  EXPECT_EQ(done.result, "run '" + run_id_ + "' has no failed task to clear");
  // `after` with its upstream: both again.
  done = SendCommand("clear", Args("after", R"(,"upstream":true)"));
  EXPECT_EQ(done.result, "cleared 2 task(s): slow, after");
  RunUntil(T("2025-01-06T15:00:00Z"));
  EXPECT_EQ(TaskStates("k", run_id_)["slow"], (State{"success", 3}));
  EXPECT_EQ(TaskStates("k", run_id_)["after"], (State{"success", 2}));
}

class CancelTest : public SchedulerTest {
 protected:
  void SetUp() override {
    SchedulerTest::SetUp();
    command_poll_interval_ = seconds(10);
    // `cleanup` would run after any end of `load` (all_done), but not after a cancel.
    source_.Set("/dags/c.yaml", R"(
dag: c
max_active_runs: 1
tasks:
  extract: {run: "x", retries: 2, retry_delay: 5m}
  load: {run: "x", needs: [extract]}
  cleanup: {run: "x", needs: [load], trigger: all_done}
  side: {run: "x"}
)");
    executor_.Script("extract", {{minutes(30), 0}});
    StartScheduler();
  }
};

TEST_F(CancelTest, ARunningRunStopsItsTasksNothingElseStartsAndItEndsFailed) {
  const std::string run = *scheduler_->TriggerRun("c", "{}");
  RunUntil(T("2025-01-06T12:00:30Z"));  // a run id is its trigger time
  const std::string queued = *scheduler_->TriggerRun("c", "{}");
  RunUntil(T("2025-01-06T12:05:00Z"));
  ASSERT_EQ(TaskStates("c", run)["extract"], (State{"running", 1}));
  ASSERT_EQ(TaskStates("c", run)["side"], (State{"success", 1}));
  CommandRecord done = SendCommand("cancel", R"({"dag":"c","run":")" + run + R"("})");
  EXPECT_EQ(done.state, "done") << done.result;
  EXPECT_EQ(done.result, "cancelled run '" + run +
                             "' of dag 'c': 3 task(s) failed, 1 of them stopped while running");
  RunUntil(T("2025-01-06T12:10:00Z"));
  auto states = TaskStates("c", run);
  EXPECT_EQ(states["extract"], (State{"failed", 1}));
  EXPECT_EQ(states["load"], (State{"failed", 0}));
  EXPECT_EQ(states["cleanup"], (State{"failed", 0}));
  EXPECT_EQ(states["side"], (State{"success", 1}));
  EXPECT_EQ(RunStateName((*store_->GetRun("c", run))->state), std::string("failed"));
  EXPECT_EQ(store_->ListAttempts("c", run, "extract")->at(0).signal, 15);
  // No retry of the stopped task, and the next run (max_active_runs 1) starts.
  EXPECT_EQ(store_->ListAttempts("c", run, "extract")->size(), 1u);
  EXPECT_EQ(TaskStates("c", queued)["extract"], (State{"running", 1}));
  int cancelled_events = 0;
  for (const auto& e : *store_->ListEvents(0, 10000)) {
    if (e.run_id == run && e.detail == "run cancelled by hand") ++cancelled_events;
  }
  EXPECT_EQ(cancelled_events, 4) << "three tasks and the run";

  done = SendCommand("cancel", R"({"dag":"c","run":")" + run + R"("})");
  EXPECT_EQ(done.state, "failed");
  EXPECT_EQ(done.result,
            "run '" + run + "' of dag 'c' has already ended (failed): nothing to cancel");
  done = SendCommand("cancel", R"({"dag":"c","run":"nope"})");
  EXPECT_EQ(done.result, "no run 'nope' of dag 'c'");
}

TEST_F(CancelTest, AQueuedRunEndsFailedWithoutRunningAnything) {
  const std::string first = *scheduler_->TriggerRun("c", "{}");
  RunUntil(T("2025-01-06T12:00:30Z"));  // a run id is its trigger time
  const std::string queued = *scheduler_->TriggerRun("c", "{}");
  RunUntil(T("2025-01-06T12:05:00Z"));
  ASSERT_EQ(RunStateName((*store_->GetRun("c", queued))->state), std::string("queued"));
  CommandRecord done = SendCommand("cancel", R"({"dag":"c","run":")" + queued + R"("})");
  EXPECT_EQ(done.result, "cancelled run '" + queued +
                             "' of dag 'c': 4 task(s) failed, 0 of them stopped while running");
  RunUntil(T("2025-01-06T12:10:00Z"));
  EXPECT_EQ(RunStateName((*store_->GetRun("c", queued))->state), std::string("failed"));
  EXPECT_TRUE(store_->ListAttempts("c", queued, "")->empty());
  EXPECT_EQ(TaskStates("c", first)["extract"], (State{"running", 1}));
}

}  // namespace
}  // namespace sluice::testing
