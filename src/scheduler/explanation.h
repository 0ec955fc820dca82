#pragma once
// Why a task instance waits: each readiness rule (trigger rule, depends_on_past, retry wait, a
// dispatch limit, max_active_runs, a paused DAG) describes itself as an Explanation, so a rule
// added later (sensors, pools) explains itself the same way. `sluice tasks why` and the
// `blocked_by` field of `sluice tasks list` print them (docs/cli.md).

#include <nlohmann/json.hpp>
#include <string>

namespace sluice {

struct Explanation {
  std::string rule;  // the rule's name: "trigger_rule", "depends_on_past", "parallelism", ...
  std::string text;  // one line for a person, without the rule's name
  // The same facts for a program: rule-specific keys (a JSON object), never "rule" or "text".
  nlohmann::json fields = nlohmann::json::object();
  bool operator==(const Explanation&) const = default;
};

}  // namespace sluice
