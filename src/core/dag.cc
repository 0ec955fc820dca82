// The DAG model's small behaviours: trigger rule names and task lookup.

#include "sluice/dag.h"

#include <array>
#include <utility>

namespace sluice {
namespace {

constexpr std::array<std::pair<TriggerRule, const char*>, 11> kTriggerRules = {{
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
}};

}  // namespace

const char* TriggerRuleName(TriggerRule rule) {
  for (const auto& [r, name] : kTriggerRules) {
    if (r == rule) return name;
  }
  return "unknown";  // unreachable for a valid enum value
}

std::optional<TriggerRule> ParseTriggerRule(const std::string& name) {
  for (const auto& [r, n] : kTriggerRules) {
    if (name == n) return r;
  }
  return std::nullopt;
}

const TaskSpec* DagSpec::FindTask(const std::string& task_id) const {
  // A linear scan: DAGs have tens to a few thousand tasks and callers that look up often
  // (the scheduler's graph) build their own index once.
  for (const TaskSpec& t : tasks) {
    if (t.id == task_id) return &t;
  }
  return nullptr;
}

}  // namespace sluice
