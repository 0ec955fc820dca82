// A DAG's `max_active_tasks` (DESIGN.md §2): attempts of the DAG at once, across its runs. The
// limit is the DAG version's of the task that would start, so a new version's limit applies at
// once.
#include <unordered_map>

#include "scheduler/dispatch_limit.h"
#include "scheduler/explain_text.h"
#include "util/check.h"

namespace sluice {
namespace {

class MaxActiveTasksLimit final : public DispatchLimit {
 public:
  LimitVerdict Check(const DispatchCandidate& c) const override {
    auto it = running_.find(c.dag.id);
    const int running = it == running_.end() ? 0 : it->second;
    return running >= c.dag.max_active_tasks ? LimitVerdict::kHoldTask : LimitVerdict::kAllow;
  }
  Explanation Explain(const DispatchCandidate& c,
                      const std::vector<AttemptKey>& running) const override {
    auto it = running_.find(c.dag.id);
    const int used = it == running_.end() ? 0 : it->second;
    std::vector<AttemptKey> held;
    std::vector<std::string> names;
    for (const auto& key : running) {
      if (key.dag_id != c.dag.id) continue;
      held.push_back(key);
      names.push_back(AttemptName(key));
    }
    return {"max_active_tasks",
            std::to_string(used) + " of " + std::to_string(c.dag.max_active_tasks) +
                " tasks of dag " + c.dag.id + " run, across its runs: " + JoinSome(names),
            {{"max_active_tasks", c.dag.max_active_tasks},
             {"used", used},
             {"held_by", AttemptsJson(held)}}};
  }
  // Counted by the attempt's DAG, so an attempt whose task left the DAG still counts.
  void Acquire(const AttemptKey& key, const DispatchCandidate*) override { ++running_[key.dag_id]; }
  void Release(const AttemptKey& key) override {
    auto it = running_.find(key.dag_id);
    SLUICE_DCHECK(it != running_.end(), "every release follows its acquire");
    if (it != running_.end() && --it->second == 0) running_.erase(it);
  }

 private:
  std::unordered_map<std::string, int> running_;  // by DAG id
};

}  // namespace

std::unique_ptr<DispatchLimit> MakeMaxActiveTasksLimit() {
  return std::make_unique<MaxActiveTasksLimit>();
}

}  // namespace sluice
