#pragma once
// Limits on what may run at once, asked before a ready task instance is queued (scheduled ->
// queued): the scheduler's `parallelism`, a DAG's `max_active_tasks`, pools. Each is a
// small rule in its own file; the planner asks all of them, in order, and tells each when an
// attempt starts and ends, so a limit keeps its own counts.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "executor/executor.h"
#include "scheduler/explanation.h"
#include "sluice/dag.h"

namespace sluice {

// The task instance that would start.
struct DispatchCandidate {
  const DagSpec& dag;
  const TaskSpec& task;
};

enum class LimitVerdict {
  kAllow,
  kHoldTask,  // this one waits; task instances of other DAGs or pools may still go
  kHoldAll,   // nothing more may start now
  // This task instance can never start under the limit as configured (a pool sluice.yaml does
  // not define): its attempt fails at once with Refusal(), as a launch that fails does.
  kRefuse,
};

class DispatchLimit {
 public:
  virtual ~DispatchLimit() = default;
  virtual LimitVerdict Check(const DispatchCandidate& candidate) const = 0;
  // An attempt started (or was adopted after a restart) and holds what this limit counts until
  // Release(key). `candidate` is null for an attempt whose task is no longer in its DAG.
  virtual void Acquire(const AttemptKey& key, const DispatchCandidate* candidate) = 0;
  virtual void Release(const AttemptKey& key) = 0;
  // Why Check() refused `candidate` (kRefuse): the attempt's error, naming the fix.
  virtual std::string Refusal(const DispatchCandidate&) const { return ""; }
  // True when no task instance at all may start now.
  virtual bool Saturated() const { return false; }
  // Why this limit holds `candidate` (Check did not allow it): the limit, how much of it is in
  // use and by which attempts. `running`: every attempt that holds slots now, in key order; a
  // limit names those it counts.
  virtual Explanation Explain(const DispatchCandidate& candidate,
                              const std::vector<AttemptKey>& running) const = 0;
};

// `parallelism`: at most `slots` attempts at once, whatever their DAG.
std::unique_ptr<DispatchLimit> MakeParallelismLimit(int slots);
// A DAG's `max_active_tasks`: at most that many attempts of the DAG at once, across its runs.
std::unique_ptr<DispatchLimit> MakeMaxActiveTasksLimit();
// Pools (pool_limit.h): at most `pools[P]` slots of pool P held at once, each attempt holding
// its task's `pool_slots`; tasks without `pool` use the `default` pool, of `parallelism` slots.
std::unique_ptr<DispatchLimit> MakePoolLimit(const std::map<std::string, int>& pools,
                                             int parallelism);

}  // namespace sluice
