#include "control/kill.h"

#include <gtest/gtest.h>

#include "control/control_fixture.h"

namespace sluice::control {
namespace {

using KillTest = ControlTest;
using S = TaskState;

TEST_F(KillTest, WithoutASchedulerNothingRuns) {
  const std::string run = TriggerHello();
  auto message = Kill(ctx(), "hello", run, "a");
  EXPECT_EQ(message.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(message.status().message(),
            "no scheduler is running on " + config_.db_path + " (home " + config_.home + ")" +
                ": nothing runs (task 'a' of run '" + run + "' is none)");
}

TEST_F(KillTest, WithoutASchedulerAnAttemptLeftToItsSupervisorIsNamed) {
  const std::string run = TriggerHello();
  SetStates(run, {{"a", S::kRunning}, {"b", S::kNone}}, RunState::kRunning);
  auto message = Kill(ctx(), "hello", run, "a");
  EXPECT_EQ(message.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(message.status().message(),
            "no scheduler is running on " + config_.db_path + " (home " + config_.home + ")" +
                ", and task 'a' of run '" + run +
                "' was left running under its supervisor (try 1); start the scheduler (it "
                "adopts the attempt), then kill it");
}

TEST_F(KillTest, WithASchedulerItIsQueuedAndTheSchedulersRefusalReported) {
  const std::string run = TriggerHello();
  auto pending = store_->PendingCommands();
  ASSERT_TRUE(pending.ok() && pending->size() == 1u);
  WriteBatch answered;
  answered.finished_commands.push_back(pending->front());
  answered.finished_commands.back().state = "done";
  ASSERT_TRUE(store_->Apply(answered).ok());

  StandInScheduler scheduler(config_, true, "failed", "task 'a' is not running (state none)");
  auto message = Kill(ctx(), "hello", run, "a");
  EXPECT_EQ(message.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(message.status().message(), "task 'a' is not running (state none)");
  auto command = scheduler.Answered();
  ASSERT_TRUE(command);
  EXPECT_EQ(KindAndArgs(*command),
            KindAndArgs({0, kNow, "kill", R"({"dag":"hello","run":")" + run + R"(","task":"a"})"}));
}

TEST_F(KillTest, UnknownRunsAndTasksAreNotFound) {
  const std::string run = TriggerHello();
  EXPECT_EQ(Kill(ctx(), "hello", run, "c").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Kill(ctx(), "nope", run, "a").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sluice::control
