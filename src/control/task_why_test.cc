#include "control/task_why.h"

#include "control/control_fixture.h"

namespace sluice::control {
namespace {

AttemptRecord Failed() {
  AttemptRecord a;
  a.state = AttemptState::kFailed;
  return a;
}

TEST(FailureReasonTest, SaysHowTheAttemptEndedFromItsRecordedResult) {
  AttemptRecord a = Failed();
  a.exit_code = 3;
  EXPECT_EQ(FailureReason(a), "exit code 3");
  a = Failed();
  a.signal = 9;
  EXPECT_EQ(FailureReason(a), "killed by signal 9 (SIGKILL)");
  a = Failed();
  a.signal = 15;
  a.timed_out = true;
  EXPECT_EQ(FailureReason(a), "timed out: killed by signal 15 (SIGTERM)");
  a = Failed();
  a.signal = 15;
  a.kill_requested = true;
  EXPECT_EQ(FailureReason(a), "killed by hand (sluice tasks kill): killed by signal 15 (SIGTERM)");
  a = Failed();
  a.error = "lost: supervisor exited without a result";
  EXPECT_EQ(FailureReason(a), "lost: supervisor exited without a result");
  a = Failed();
  EXPECT_EQ(FailureReason(a), "failed");
  a.state = AttemptState::kSuccess;
  a.exit_code = 0;
  EXPECT_EQ(FailureReason(a), "");
  a.state = AttemptState::kRunning;
  EXPECT_EQ(FailureReason(a), "");
}

TEST_F(ControlTest, WithoutASchedulerAWaitingTaskIsHeldByItsAbsence) {
  const std::string run = TriggerHello();
  auto why = WhyTask(ctx(), "hello", run, "b");
  ASSERT_TRUE(why.ok()) << why.status().message();
  ASSERT_EQ(why->blocked_by.size(), 2u);
  EXPECT_EQ(why->blocked_by[0].rule, "trigger_rule");
  EXPECT_EQ(why->blocked_by[0].text, "all_success waits for 1 of 1 upstream task(s): a (none)");
  EXPECT_EQ(why->blocked_by[1].rule, "scheduler");
  EXPECT_EQ(why->blocked_by[1].text, "no scheduler is running on " + config_.db_path + " (home " +
                                         config_.home + ")" + ": start one (sluice scheduler)");
  EXPECT_EQ(why->summary, "held by trigger_rule, scheduler");

  // With one running, nothing but the scheduler's next turn is missing for the root task.
  StandInScheduler scheduler(config_, /*answer=*/false);
  why = WhyTask(ctx(), "hello", run, "a");
  ASSERT_TRUE(why.ok()) << why.status().message();
  EXPECT_TRUE(why->blocked_by.empty());
  EXPECT_EQ(why->summary, "nothing holds it; the scheduler starts it at its next turn");
}

TEST_F(ControlTest, AnEndedTaskSaysWhenAndWhyItFailed) {
  const std::string run = TriggerHello();
  SetStates(run, {{"a", TaskState::kFailed}, {"b", TaskState::kUpstreamFailed}}, RunState::kFailed);
  auto why = WhyTask(ctx(), "hello", run, "a");
  ASSERT_TRUE(why.ok()) << why.status().message();
  EXPECT_TRUE(why->blocked_by.empty());
  // SetStates records the attempt without a result: it failed, no more is known.
  EXPECT_EQ(why->summary, "ended: failed (try 1)");
  auto missing = WhyTask(ctx(), "hello", run, "zz");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "dag 'hello' has no task 'zz' in run '" + run + "'");
}

}  // namespace
}  // namespace sluice::control
