#include "control/clear.h"

#include <gtest/gtest.h>

#include "control/control_fixture.h"

namespace sluice::control {
namespace {

using ClearTest = ControlTest;
using S = TaskState;

TEST_F(ClearTest, WithoutASchedulerTheStoreIsWrittenAndAFinishedRunIsQueuedAgain) {
  const std::string run = TriggerHello();
  SetStates(run, {{"a", S::kSuccess}, {"b", S::kFailed}}, RunState::kFailed);
  auto message = Clear(ctx(), "hello", run, {.task = "a", .downstream = true});
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(*message, "cleared 2 task(s): a, b; they run when a scheduler is running");
  EXPECT_EQ(States(run), (std::map<std::string, S>{{"a", S::kNone}, {"b", S::kNone}}));
  EXPECT_EQ(RunStateOf(run), RunState::kQueued);

  SetStates(run, {{"a", S::kSuccess}, {"b", S::kFailed}}, RunState::kFailed);
  message = Clear(ctx(), "hello", run, {.task = "b"});
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(*message, "cleared 1 task(s): b; they run when a scheduler is running");
  EXPECT_EQ(States(run), (std::map<std::string, S>{{"a", S::kSuccess}, {"b", S::kNone}}));
}

TEST_F(ClearTest, WithASchedulerItIsQueuedForItAndItsAnswerReturned) {
  const std::string run = TriggerHello();
  // It holds the lock but does not answer: the clear is queued (after the trigger's command).
  StandInScheduler scheduler(config_, false);
  CommandWait wait;
  wait.timeout = std::chrono::milliseconds(30);
  auto message = Clear(ctx(), "hello", run, {.task = "a", .downstream = true}, wait);
  EXPECT_EQ(message.status().code(), StatusCode::kIoError);
  auto pending = store_->PendingCommands();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(KindAndArgs(pending->back()), KindAndArgs({0, kNow, "clear",
                                                       R"({"dag":"hello","run":")" + run +
                                                           R"(","task":"a","downstream":true})"}));
  // Nothing written: the scheduler owns the run.
  EXPECT_EQ(States(run), (std::map<std::string, S>{{"a", S::kNone}, {"b", S::kNone}}));
}

TEST_F(ClearTest, UnknownRunsAndTasksAreNotFound) {
  const std::string run = TriggerHello();
  EXPECT_EQ(Clear(ctx(), "hello", "manual__x", {.task = "a"}).status().message(),
            "no run 'manual__x' of dag 'hello'");
  EXPECT_EQ(Clear(ctx(), "hello", run, {.task = "c"}).status().message(),
            "dag 'hello' has no task 'c'");
}

TEST_F(ClearTest, UpstreamAndAWholeRunAndOnlyItsFailedTasks) {
  const std::string run = TriggerHello();
  SetStates(run, {{"a", S::kSuccess}, {"b", S::kFailed}}, RunState::kFailed);
  auto message = Clear(ctx(), "hello", run, {.task = "b", .upstream = true});
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(*message, "cleared 2 task(s): a, b; they run when a scheduler is running");
  EXPECT_EQ(States(run), (std::map<std::string, S>{{"a", S::kNone}, {"b", S::kNone}}));

  SetStates(run, {{"a", S::kSuccess}, {"b", S::kFailed}}, RunState::kFailed);
  message = Clear(ctx(), "hello", run, {.only_failed = true});
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(*message, "cleared 1 task(s): b; they run when a scheduler is running");
  EXPECT_EQ(States(run), (std::map<std::string, S>{{"a", S::kSuccess}, {"b", S::kNone}}));
  EXPECT_EQ(RunStateOf(run), RunState::kQueued);

  SetStates(run, {{"a", S::kSuccess}, {"b", S::kSuccess}}, RunState::kSuccess);
  EXPECT_EQ(Clear(ctx(), "hello", run, {.only_failed = true}).status().message(),
            "run '" + run + "' has no failed task to clear");
  EXPECT_EQ(RunStateOf(run), RunState::kSuccess);
  message = Clear(ctx(), "hello", run, {});
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(*message, "cleared 2 task(s): a, b; they run when a scheduler is running");
  EXPECT_EQ(RunStateOf(run), RunState::kQueued);
}

TEST_F(ClearTest, WithASchedulerUpstreamAndOnlyFailedGoInTheArgs) {
  const std::string run = TriggerHello();
  StandInScheduler scheduler(config_, false);
  CommandWait wait;
  wait.timeout = std::chrono::milliseconds(30);
  EXPECT_EQ(Clear(ctx(), "hello", run, {.only_failed = true}, wait).status().code(),
            StatusCode::kIoError);
  auto pending = store_->PendingCommands();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(KindAndArgs(pending->back()),
            KindAndArgs({0, kNow, "clear",
                         R"({"dag":"hello","run":")" + run +
                             R"(","task":"","downstream":false,"only_failed":true})"}));
}

}  // namespace
}  // namespace sluice::control
