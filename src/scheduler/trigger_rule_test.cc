#include "scheduler/trigger_rule.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

// Upstream counts from a list of terminal states; `pending` more upstreams have not ended.
UpstreamCounts Counts(std::initializer_list<TaskState> ended, int pending = 0) {
  UpstreamCounts c;
  c.total = static_cast<int>(ended.size()) + pending;
  for (TaskState s : ended) c.Add(s);
  return c;
}

constexpr auto S = TaskState::kSuccess;
constexpr auto F = TaskState::kFailed;
constexpr auto UF = TaskState::kUpstreamFailed;
constexpr auto K = TaskState::kSkipped;

TEST(TriggerRule, AllSuccess) {
  auto r = TriggerRule::kAllSuccess;
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({S, S})), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({S}, 1)), Readiness::kWait);
  // Eager: one failure is enough, the other upstream need not end.
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({F}, 1)), Readiness::kUpstreamFailed);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({UF, S})), Readiness::kUpstreamFailed);
  // A skipped upstream skips an all_success task.
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({K, S})), Readiness::kSkip);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({})), Readiness::kRun);
}

TEST(TriggerRule, AllFailed) {
  auto r = TriggerRule::kAllFailed;
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({F, UF})), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({F}, 1)), Readiness::kWait);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({F, S})), Readiness::kSkip);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({K}, 1)), Readiness::kSkip);
}

TEST(TriggerRule, AllDone) {
  auto r = TriggerRule::kAllDone;
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({F, S, K, UF})), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({F}, 1)), Readiness::kWait);
}

TEST(TriggerRule, AllSkipped) {
  auto r = TriggerRule::kAllSkipped;
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({K, K})), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({K}, 1)), Readiness::kWait);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({K, S})), Readiness::kSkip);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({F}, 1)), Readiness::kSkip);
}

TEST(TriggerRule, OneSuccess) {
  auto r = TriggerRule::kOneSuccess;
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({S}, 3)), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({F}, 1)), Readiness::kWait);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({F, K})), Readiness::kUpstreamFailed);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({K, K})), Readiness::kSkip);
}

TEST(TriggerRule, OneFailed) {
  auto r = TriggerRule::kOneFailed;
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({F}, 3)), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({UF}, 1)), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({S}, 1)), Readiness::kWait);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({S, K})), Readiness::kSkip);
}

TEST(TriggerRule, OneDone) {
  auto r = TriggerRule::kOneDone;
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({F}, 3)), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({S}, 3)), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({K}, 1)), Readiness::kWait);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({K, UF})), Readiness::kSkip);
}

TEST(TriggerRule, NoneFailed) {
  auto r = TriggerRule::kNoneFailed;
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({S, K})), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({K, K})), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({S}, 1)), Readiness::kWait);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({F}, 1)), Readiness::kUpstreamFailed);
}

TEST(TriggerRule, NoneFailedMinOneSuccess) {
  auto r = TriggerRule::kNoneFailedMinOneSuccess;
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({S, K})), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({K, K})), Readiness::kSkip);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({S}, 1)), Readiness::kWait);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({UF, S})), Readiness::kUpstreamFailed);
}

TEST(TriggerRule, NoneSkipped) {
  auto r = TriggerRule::kNoneSkipped;
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({S, F, UF})), Readiness::kRun);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({S}, 1)), Readiness::kWait);
  EXPECT_EQ(EvaluateTriggerRule(r, Counts({K}, 1)), Readiness::kSkip);
}

TEST(TriggerRule, Always) {
  EXPECT_EQ(EvaluateTriggerRule(TriggerRule::kAlways, Counts({}, 5)), Readiness::kRun);
}

}  // namespace
}  // namespace sluice
