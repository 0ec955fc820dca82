#include "control/command_queue.h"

#include <gtest/gtest.h>

#include "control/control_fixture.h"

namespace sluice::control {
namespace {

using CommandQueueTest = ControlTest;

TEST_F(CommandQueueTest, EnqueueStoresAPendingCommandWithItsArguments) {
  auto command = EnqueueCommand(*store_, "pause", {{"dag", "etl"}}, kNow);
  ASSERT_TRUE(command.ok()) << command.status().message();
  auto stored = store_->GetCommand(command->id);
  ASSERT_TRUE(stored.ok() && *stored);
  EXPECT_EQ((*stored)->state, "pending");
  EXPECT_EQ(KindAndArgs(**stored), KindAndArgs(*command));
  EXPECT_EQ((*stored)->args_json, R"({"dag":"etl"})");
}

TEST_F(CommandQueueTest, RunReturnsTheSchedulersMessageWhenDone) {
  StandInScheduler scheduler(config_, true, "done", "did it");
  auto result = RunCommand(*store_, "clear", {{"dag", "etl"}}, kNow);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(*result, "did it");
  auto answered = scheduler.Answered();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->kind, "clear");
}

TEST_F(CommandQueueTest, RunFailsWithTheSchedulersMessageWhenItFailed) {
  StandInScheduler scheduler(config_, true, "failed", "unknown command 'clear'");
  auto result = RunCommand(*store_, "clear", {{"dag", "etl"}}, kNow);
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(result.status().message(), "unknown command 'clear'");
}

TEST_F(CommandQueueTest, RunGivesUpAfterItsTimeoutAndSaysTheCommandStaysQueued) {
  CommandWait wait;
  wait.timeout = std::chrono::milliseconds(50);
  wait.poll = std::chrono::milliseconds(5);
  auto result = RunCommand(*store_, "clear", {{"dag", "etl"}}, kNow, wait);
  EXPECT_EQ(result.status().code(), StatusCode::kIoError);
  EXPECT_EQ(result.status().message(),
            "the scheduler did not answer within 0.05 s; the command stays queued (id 1)");
  auto pending = store_->PendingCommands();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->size(), 1u);
}

}  // namespace
}  // namespace sluice::control
