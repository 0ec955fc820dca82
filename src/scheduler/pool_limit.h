#pragma once
// Pools (sluice.yaml `pools`, a task's `pool` and `pool_slots`): scarce slots shared by every
// DAG and run, such as the connections a warehouse takes. Tasks without a pool share the
// `default` pool, whose size is the scheduler's parallelism. An attempt holds its task's
// `pool_slots` from its start to its end; a deferred sensor holds none (it is not dispatched).
// The ready queue is ordered by priority, then oldest run, so a freed slot goes to the
// highest-priority, oldest task of the pool; a task waiting for more slots than are free lets a
// smaller one of the same pool go first rather than leave the slots idle.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scheduler/dispatch_limit.h"

namespace sluice {

inline constexpr std::string_view kDefaultPool = "default";

// A pool's size and use, as `sluice pools list` shows it.
struct PoolUsage {
  std::string pool;
  int slots = 0;
  int used = 0;    // slots held by running attempts
  int queued = 0;  // task instances of the pool ready to run and waiting for a slot
};

class PoolLimit final : public DispatchLimit {
 public:
  // `pools`: name -> slots, without `default`, which gets `parallelism` slots.
  PoolLimit(const std::map<std::string, int>& pools, int parallelism);

  LimitVerdict Check(const DispatchCandidate& c) const override;
  std::string Refusal(const DispatchCandidate& c) const override;
  // An attempt of a task that left its DAG (no candidate) holds nothing: its pool is unknown.
  void Acquire(const AttemptKey& key, const DispatchCandidate* c) override;
  void Release(const AttemptKey& key) override;
  Explanation Explain(const DispatchCandidate& c,
                      const std::vector<AttemptKey>& running) const override;

  // Every pool, `default` first, then by name, with `used` filled in (`queued` left 0).
  std::vector<PoolUsage> Usage() const;
  static std::string PoolOf(const TaskSpec& task) {
    return task.pool.empty() ? std::string(kDefaultPool) : task.pool;
  }

 private:
  int Used(const std::string& pool) const;

  std::map<std::string, int> slots_;                        // pool -> slots, `default` included
  std::map<std::string, int> used_;                         // pool -> slots held
  std::map<AttemptKey, std::pair<std::string, int>> held_;  // attempt -> (pool, slots)
  int attempts_ = 0;  // every attempt that holds slots of the limits, whatever its pool
};

}  // namespace sluice
