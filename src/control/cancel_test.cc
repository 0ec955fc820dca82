#include "control/cancel.h"

#include <gtest/gtest.h>

#include "control/control_fixture.h"

namespace sluice::control {
namespace {

using CancelTest = ControlTest;
using S = TaskState;

TEST_F(CancelTest, WithoutASchedulerItsTasksFailAndTheRunIsFailed) {
  const std::string run = TriggerHello();
  SetStates(run, {{"a", S::kSuccess}, {"b", S::kNone}}, RunState::kRunning);
  auto message = CancelRun(ctx(), "hello", run);
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(*message,
            "cancelled run '" + run + "' of dag 'hello': 1 task(s) failed; the run is failed");
  EXPECT_EQ(States(run), (std::map<std::string, S>{{"a", S::kSuccess}, {"b", S::kFailed}}));
  EXPECT_EQ(RunStateOf(run), RunState::kFailed);
  auto events = store_->ListEvents(0, 1000);
  ASSERT_TRUE(events.ok());
  ASSERT_FALSE(events->empty());
  const EventRecord& last = events->back();
  EXPECT_EQ(last.kind, "run_state");
  EXPECT_EQ(last.to, "failed");
  EXPECT_EQ(last.detail, "run cancelled by hand");
}

TEST_F(CancelTest, AQueuedRunEndsFailedWithoutStarting) {
  const std::string run = TriggerHello();
  auto message = CancelRun(ctx(), "hello", run);
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(States(run), (std::map<std::string, S>{{"a", S::kFailed}, {"b", S::kFailed}}));
  EXPECT_EQ(RunStateOf(run), RunState::kFailed);
}

TEST_F(CancelTest, AnEndedRunOrARunningAttemptWithoutASchedulerIsRefusedAndNothingChanges) {
  const std::string run = TriggerHello();
  SetStates(run, {{"a", S::kSuccess}, {"b", S::kSuccess}}, RunState::kSuccess);
  auto refused = CancelRun(ctx(), "hello", run);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "run '" + run + "' of dag 'hello' has already ended (success): nothing to cancel");

  SetStates(run, {{"a", S::kRunning}, {"b", S::kNone}}, RunState::kRunning);
  refused = CancelRun(ctx(), "hello", run);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "task 'a' of run '" + run + "' of dag 'hello' is running under its supervisor while " +
                "no scheduler runs on " + config_.home +
                "; start the scheduler (it adopts the attempt), then cancel the run");
  EXPECT_EQ(States(run), (std::map<std::string, S>{{"a", S::kRunning}, {"b", S::kNone}}));
  EXPECT_EQ(RunStateOf(run), RunState::kRunning);

  EXPECT_EQ(CancelRun(ctx(), "hello", "manual__x").status().message(),
            "no run 'manual__x' of dag 'hello'");
}

TEST_F(CancelTest, WithASchedulerItIsQueuedForIt) {
  const std::string run = TriggerHello();
  StandInScheduler scheduler(config_, false);
  CommandWait wait;
  wait.timeout = std::chrono::milliseconds(30);
  EXPECT_EQ(CancelRun(ctx(), "hello", run, wait).status().code(), StatusCode::kIoError);
  auto pending = store_->PendingCommands();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(KindAndArgs(pending->back()),
            KindAndArgs({0, kNow, "cancel", R"({"dag":"hello","run":")" + run + R"("})"}));
  EXPECT_EQ(RunStateOf(run), RunState::kQueued);
}

}  // namespace
}  // namespace sluice::control
