#include "control/mark.h"

#include <gtest/gtest.h>

#include "control/control_fixture.h"

namespace sluice::control {
namespace {

using MarkTest = ControlTest;
using S = TaskState;

TEST_F(MarkTest, WithoutASchedulerMarkingTheFailedLeafSuccessEndsTheRunInSuccess) {
  const std::string run = TriggerHello();
  SetStates(run, {{"a", S::kSuccess}, {"b", S::kFailed}}, RunState::kFailed);
  clock_.Advance(std::chrono::minutes(5));
  auto message = Mark(ctx(), "hello", run, "b", S::kSuccess);
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(*message,
            "marked task 'b' of run '" + run + "' success (was failed); the run is now success");
  EXPECT_EQ(States(run), (std::map<std::string, S>{{"a", S::kSuccess}, {"b", S::kSuccess}}));
  EXPECT_EQ(RunStateOf(run), RunState::kSuccess);
  auto events = store_->ListEvents(0, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_GE(events->size(), 2u);
  const EventRecord& task_event = (*events)[events->size() - 2];
  EXPECT_EQ(task_event.task_id, "b");
  EXPECT_EQ(task_event.from, "failed");
  EXPECT_EQ(task_event.to, "success");
  EXPECT_EQ(task_event.detail, "marked by hand");
  EXPECT_EQ(task_event.time, kNow + std::chrono::minutes(5));
  EXPECT_EQ(events->back().kind, "run_state");
  EXPECT_EQ(events->back().to, "success");
}

TEST_F(MarkTest, MarkingATaskOfAnOpenRunLeavesTheRestToTheScheduler) {
  const std::string run = TriggerHello();
  auto message = Mark(ctx(), "hello", run, "a", S::kFailed);
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(*message, "marked task 'a' of run '" + run + "' failed (was none)");
  EXPECT_EQ(States(run), (std::map<std::string, S>{{"a", S::kFailed}, {"b", S::kNone}}));
  EXPECT_EQ(RunStateOf(run), RunState::kQueued);
  // Marking it again as it is changes nothing.
  message = Mark(ctx(), "hello", run, "a", S::kFailed);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(*message, "task 'a' of run '" + run + "' is already failed");
}

TEST_F(MarkTest, ATaskLeftRunningUnderItsSupervisorIsNotMarkedWithoutAScheduler) {
  const std::string run = TriggerHello();
  SetStates(run, {{"a", S::kRunning}, {"b", S::kNone}}, RunState::kRunning);
  auto message = Mark(ctx(), "hello", run, "a", S::kSuccess);
  EXPECT_EQ(message.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(message.status().message(),
            "task 'a' of run '" + run + "' is running under its supervisor while no scheduler " +
                "runs on " + config_.home +
                "; start the scheduler (it adopts the attempt), then mark it");
  EXPECT_EQ(States(run), (std::map<std::string, S>{{"a", S::kRunning}, {"b", S::kNone}}));
}

TEST_F(MarkTest, OnlySuccessAndFailedAndKnownTasks) {
  const std::string run = TriggerHello();
  EXPECT_EQ(Mark(ctx(), "hello", run, "a", S::kSkipped).status().message(),
            "a task can be marked success or failed, not skipped");
  EXPECT_EQ(Mark(ctx(), "hello", run, "z", S::kSuccess).status().message(),
            "dag 'hello' has no task 'z'");
  EXPECT_EQ(Mark(ctx(), "hello", "nope", "a", S::kSuccess).status().code(), StatusCode::kNotFound);
}

TEST_F(MarkTest, WithASchedulerItIsCarriedOutByTheScheduler) {
  const std::string run = TriggerHello();
  // Answer the trigger's command first, as a scheduler would have.
  auto pending = store_->PendingCommands();
  ASSERT_TRUE(pending.ok() && pending->size() == 1u);
  WriteBatch answered;
  answered.finished_commands.push_back(pending->front());
  answered.finished_commands.back().state = "done";
  ASSERT_TRUE(store_->Apply(answered).ok());

  StandInScheduler scheduler(config_, true, "done", "marked task 'a' success (was running)");
  auto message = Mark(ctx(), "hello", run, "a", S::kSuccess);
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(*message, "marked task 'a' success (was running)");
  auto command = scheduler.Answered();
  ASSERT_TRUE(command);
  EXPECT_EQ(KindAndArgs(*command), KindAndArgs({0, kNow, "mark",
                                                R"({"dag":"hello","run":")" + run +
                                                    R"(","task":"a","state":"success"})"}));
  // The store is the scheduler's to write.
  EXPECT_EQ(States(run), (std::map<std::string, S>{{"a", S::kNone}, {"b", S::kNone}}));
}

}  // namespace
}  // namespace sluice::control
