#include "scheduler/trigger_rule.h"

#include "scheduler/explain_text.h"

namespace sluice {

void UpstreamCounts::Add(TaskState state) {
  switch (state) {
    case TaskState::kSuccess:
      ++success;
      break;
    case TaskState::kFailed:
      ++failed;
      break;
    case TaskState::kUpstreamFailed:
      ++upstream_failed;
      break;
    case TaskState::kSkipped:
      ++skipped;
      break;
    default:
      break;
  }
}

Readiness EvaluateTriggerRule(TriggerRule rule, const UpstreamCounts& c) {
  const bool all_done = c.done() == c.total;
  const int failures = c.failed + c.upstream_failed;
  switch (rule) {
    case TriggerRule::kAlways:
      return Readiness::kRun;
    case TriggerRule::kAllSuccess:
      if (failures > 0) return Readiness::kUpstreamFailed;
      if (c.skipped > 0) return Readiness::kSkip;
      return c.success == c.total ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kAllFailed:
      if (c.success > 0 || c.skipped > 0) return Readiness::kSkip;
      return failures == c.total ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kAllDone:
      return all_done ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kAllSkipped:
      if (c.success > 0 || failures > 0) return Readiness::kSkip;
      return c.skipped == c.total ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kOneSuccess:
      if (c.success > 0 || c.total == 0) return Readiness::kRun;
      if (!all_done) return Readiness::kWait;
      // Every upstream ended and none succeeded.
      return c.skipped == c.total ? Readiness::kSkip : Readiness::kUpstreamFailed;
    case TriggerRule::kOneFailed:
      if (failures > 0 || c.total == 0) return Readiness::kRun;
      return all_done ? Readiness::kSkip : Readiness::kWait;
    case TriggerRule::kOneDone:
      if (c.success + c.failed > 0 || c.total == 0) return Readiness::kRun;
      return all_done ? Readiness::kSkip : Readiness::kWait;
    case TriggerRule::kNoneFailed:
      if (failures > 0) return Readiness::kUpstreamFailed;
      return all_done ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kNoneFailedMinOneSuccess:
      if (failures > 0) return Readiness::kUpstreamFailed;
      if (!all_done) return Readiness::kWait;
      return (c.success > 0 || c.total == 0) ? Readiness::kRun : Readiness::kSkip;
    case TriggerRule::kNoneSkipped:
      if (c.skipped > 0) return Readiness::kSkip;
      return all_done ? Readiness::kRun : Readiness::kWait;
  }
  return Readiness::kWait;
}

Explanation ExplainTriggerRule(TriggerRule rule, const UpstreamCounts& c,
                               const std::vector<UpstreamTask>& upstream) {
  Explanation e;
  e.rule = "trigger_rule";
  nlohmann::json waiting = nlohmann::json::array();
  std::vector<std::string> names;
  for (const auto& up : upstream) {
    if (IsTerminal(up.state)) continue;
    waiting.push_back({{"task", up.task_id}, {"state", TaskStateName(up.state)}});
    names.push_back(up.task_id + " (" + TaskStateName(up.state) + ")");
  }
  e.text = std::string(TriggerRuleName(rule)) + " waits for " + std::to_string(names.size()) +
           " of " + std::to_string(c.total) + " upstream task(s): " + JoinSome(names);
  e.fields = {{"trigger_rule", TriggerRuleName(rule)},
              {"upstream_total", c.total},
              {"upstream_done", c.done()},
              {"waiting_for", std::move(waiting)}};
  return e;
}

}  // namespace sluice
