#include "sluice/state.h"

#include <gtest/gtest.h>

#include "sluice/dag.h"

namespace sluice {
namespace {

TEST(StateTest, TaskStateNamesRoundTrip) {
  const std::vector<std::pair<TaskState, std::string>> all = {
      {TaskState::kNone, "none"},
      {TaskState::kScheduled, "scheduled"},
      {TaskState::kQueued, "queued"},
      {TaskState::kRunning, "running"},
      {TaskState::kSuccess, "success"},
      {TaskState::kFailed, "failed"},
      {TaskState::kUpForRetry, "up_for_retry"},
      {TaskState::kSkipped, "skipped"},
      {TaskState::kUpstreamFailed, "upstream_failed"},
      {TaskState::kDeferred, "deferred"},
      {TaskState::kRemoved, "removed"},
  };
  for (const auto& [state, name] : all) {
    EXPECT_EQ(TaskStateName(state), name);
    EXPECT_EQ(ParseTaskState(name), state) << name;
  }
  EXPECT_EQ(ParseTaskState("Success"), std::nullopt);
  EXPECT_EQ(ParseTaskState(""), std::nullopt);
}

TEST(StateTest, RunStatesAndTypes) {
  EXPECT_STREQ(RunStateName(RunState::kQueued), "queued");
  EXPECT_STREQ(RunStateName(RunState::kRunning), "running");
  EXPECT_STREQ(RunStateName(RunState::kSuccess), "success");
  EXPECT_STREQ(RunStateName(RunState::kFailed), "failed");
  EXPECT_EQ(ParseRunState("failed"), RunState::kFailed);
  EXPECT_EQ(ParseRunState("up_for_retry"), std::nullopt);
  EXPECT_STREQ(RunTypeName(RunType::kScheduled), "scheduled");
  EXPECT_STREQ(RunTypeName(RunType::kManual), "manual");
  EXPECT_STREQ(RunTypeName(RunType::kBackfill), "backfill");
  EXPECT_EQ(ParseRunType("backfill"), RunType::kBackfill);
  EXPECT_EQ(ParseRunType("cron"), std::nullopt);
}

TEST(StateTest, TerminalStates) {
  EXPECT_TRUE(IsTerminal(TaskState::kSuccess));
  EXPECT_TRUE(IsTerminal(TaskState::kFailed));
  EXPECT_TRUE(IsTerminal(TaskState::kSkipped));
  EXPECT_TRUE(IsTerminal(TaskState::kUpstreamFailed));
  EXPECT_TRUE(IsTerminal(TaskState::kRemoved));
  EXPECT_FALSE(IsTerminal(TaskState::kNone));
  EXPECT_FALSE(IsTerminal(TaskState::kUpForRetry));
  EXPECT_FALSE(IsTerminal(TaskState::kDeferred));
  EXPECT_FALSE(IsTerminal(TaskState::kRunning));
  EXPECT_TRUE(IsTerminal(RunState::kFailed));
  EXPECT_FALSE(IsTerminal(RunState::kRunning));
}

TEST(DagModelTest, TriggerRuleNamesRoundTrip) {
  const std::vector<std::pair<TriggerRule, std::string>> all = {
      {TriggerRule::kAllSuccess, "all_success"},
      {TriggerRule::kAllFailed, "all_failed"},
      {TriggerRule::kAllDone, "all_done"},
      {TriggerRule::kAllSkipped, "all_skipped"},
      {TriggerRule::kOneSuccess, "one_success"},
      {TriggerRule::kOneFailed, "one_failed"},
      {TriggerRule::kOneDone, "one_done"},
      {TriggerRule::kNoneFailed, "none_failed"},
      {TriggerRule::kNoneFailedMinOneSuccess, "none_failed_min_one_success"},
      {TriggerRule::kNoneSkipped, "none_skipped"},
      {TriggerRule::kAlways, "always"},
  };
  for (const auto& [rule, name] : all) {
    EXPECT_EQ(TriggerRuleName(rule), name);
    EXPECT_EQ(ParseTriggerRule(name), rule) << name;
  }
  EXPECT_EQ(ParseTriggerRule("all_sucess"), std::nullopt);
}

TEST(DagModelTest, FindTask) {
  DagSpec dag;
  dag.tasks.resize(2);
  dag.tasks[0].id = "a";
  dag.tasks[1].id = "b";
  ASSERT_NE(dag.FindTask("b"), nullptr);
  EXPECT_EQ(dag.FindTask("b"), &dag.tasks[1]);
  EXPECT_EQ(dag.FindTask("c"), nullptr);
}

}  // namespace
}  // namespace sluice
