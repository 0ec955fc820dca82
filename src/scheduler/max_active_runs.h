#pragma once
// When a queued run starts (DESIGN.md §2, docs/cli.md): not while its DAG is paused, and only
// while fewer of its DAG's runs than `max_active_runs` are running. Queued runs start oldest
// logical date first.

#include <string>
#include <vector>

#include "scheduler/explanation.h"
#include "sluice/dag.h"

namespace sluice {

inline bool MaxActiveRunsAllows(const DagSpec& dag, int running_runs) {
  return running_runs < dag.max_active_runs;
}

// Why max_active_runs holds a queued run of `dag`: the runs that are running (`running`).
Explanation ExplainMaxActiveRuns(const DagSpec& dag, const std::vector<std::string>& running);
// Why a queued run of the paused DAG `dag_id` does not start.
Explanation ExplainPaused(const std::string& dag_id);

}  // namespace sluice
