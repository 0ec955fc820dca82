#pragma once
// Trigger rules (DESIGN.md §2 "States"), with Airflow's meanings: given how a task's upstream
// tasks have ended so far, decide whether it runs now, waits, or ends without running.

#include <string>
#include <vector>

#include "scheduler/explanation.h"
#include "sluice/dag.h"
#include "sluice/state.h"

namespace sluice {

// How many of a task's direct upstream tasks are in each terminal state. `removed` upstreams
// are not counted in `total` at all: a removed task is no longer part of the graph.
struct UpstreamCounts {
  int total = 0;
  int success = 0;
  int failed = 0;
  int upstream_failed = 0;
  int skipped = 0;
  int done() const { return success + failed + upstream_failed + skipped; }
  // Records one upstream reaching `state` (a terminal state other than removed).
  void Add(TaskState state);
};

enum class Readiness { kWait, kRun, kSkip, kUpstreamFailed };

// Decides eagerly, as Airflow does: `all_success` becomes upstream_failed as soon as one upstream
// failed, without waiting for the others.
Readiness EvaluateTriggerRule(TriggerRule rule, const UpstreamCounts& c);

// A direct upstream task and its state in the run.
struct UpstreamTask {
  std::string task_id;
  TaskState state = TaskState::kNone;
};

// Why `rule` waits (EvaluateTriggerRule said kWait): the upstream tasks that have not ended,
// named with their states. `upstream`: every direct upstream task, in the DAG's order.
Explanation ExplainTriggerRule(TriggerRule rule, const UpstreamCounts& c,
                               const std::vector<UpstreamTask>& upstream);

}  // namespace sluice
