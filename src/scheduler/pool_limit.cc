#include "scheduler/pool_limit.h"

#include "scheduler/explain_text.h"
#include "util/check.h"
#include "util/strings.h"

namespace sluice {

PoolLimit::PoolLimit(const std::map<std::string, int>& pools, int parallelism) : slots_(pools) {
  slots_[std::string(kDefaultPool)] = parallelism;
}

LimitVerdict PoolLimit::Check(const DispatchCandidate& c) const {
  auto it = slots_.find(PoolOf(c.task));
  if (it == slots_.end() || c.task.pool_slots > it->second) return LimitVerdict::kRefuse;
  // With every task process running, `parallelism` holds the task and says so; the default
  // pool, of the same size, would only repeat it.
  if (it->first == kDefaultPool && attempts_ >= it->second) return LimitVerdict::kAllow;
  return Used(it->first) + c.task.pool_slots > it->second ? LimitVerdict::kHoldTask
                                                          : LimitVerdict::kAllow;
}

std::string PoolLimit::Refusal(const DispatchCandidate& c) const {
  const std::string pool = PoolOf(c.task);
  auto it = slots_.find(pool);
  if (it == slots_.end()) {
    std::vector<std::string> names;
    for (const auto& [name, n] : slots_) names.push_back(name);
    const std::string hint = ClosestMatch(pool, names);
    return "pool '" + pool + "' is not in sluice.yaml's pools" +
           (hint.empty() ? " (pools: " + Join(names, ", ") + ")"
                         : " (did you mean '" + hint + "'?)");
  }
  return "pool_slots " + std::to_string(c.task.pool_slots) + " is more than pool '" + pool +
         "' has (" + std::to_string(it->second) + " slots)";
}

void PoolLimit::Acquire(const AttemptKey& key, const DispatchCandidate* c) {
  ++attempts_;
  if (!c) return;
  const std::string pool = PoolOf(c->task);
  if (!slots_.count(pool)) return;
  held_[key] = {pool, c->task.pool_slots};
  used_[pool] += c->task.pool_slots;
}

void PoolLimit::Release(const AttemptKey& key) {
  --attempts_;
  auto it = held_.find(key);
  if (it == held_.end()) return;
  int& used = used_[it->second.first];
  used -= it->second.second;
  SLUICE_DCHECK(used >= 0, "a pool's slots are released as often as acquired");
  held_.erase(it);
}

Explanation PoolLimit::Explain(const DispatchCandidate& c,
                               const std::vector<AttemptKey>& running) const {
  const std::string pool = PoolOf(c.task);
  auto it = slots_.find(pool);
  if (it == slots_.end() || c.task.pool_slots > it->second) {
    return {"pool", Refusal(c), {{"pool", pool}, {"pool_slots", c.task.pool_slots}}};
  }
  std::vector<AttemptKey> held;
  std::vector<std::string> names;
  for (const auto& key : running) {
    auto h = held_.find(key);
    if (h == held_.end() || h->second.first != pool) continue;
    held.push_back(key);
    names.push_back(AttemptName(key));
  }
  const int used = Used(pool);
  std::string text = std::to_string(used) + " of " + std::to_string(it->second) +
                     " slots of pool " + pool + " are in use";
  if (c.task.pool_slots > 1) {
    text += " (it needs " + std::to_string(c.task.pool_slots) + ")";
  }
  return {"pool",
          text + ": " + JoinSome(names),
          {{"pool", pool},
           {"slots", it->second},
           {"used", used},
           {"pool_slots", c.task.pool_slots},
           {"held_by", AttemptsJson(held)}}};
}

std::vector<PoolUsage> PoolLimit::Usage() const {
  std::vector<PoolUsage> out;
  out.push_back({std::string(kDefaultPool), slots_.at(std::string(kDefaultPool)),
                 Used(std::string(kDefaultPool)), 0});
  for (const auto& [pool, slots] : slots_) {
    if (pool != kDefaultPool) out.push_back({pool, slots, Used(pool), 0});
  }
  return out;
}

int PoolLimit::Used(const std::string& pool) const {
  auto it = used_.find(pool);
  return it == used_.end() ? 0 : it->second;
}

std::unique_ptr<DispatchLimit> MakePoolLimit(const std::map<std::string, int>& pools,
                                             int parallelism) {
  return std::make_unique<PoolLimit>(pools, parallelism);
}

}  // namespace sluice
