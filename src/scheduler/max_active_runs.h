#pragma once
// A DAG's `max_active_runs` (DESIGN.md §2): how many of its runs may be running at once. A
// queued run starts only while fewer are running; queued runs start oldest logical date first.

#include "sluice/dag.h"

namespace sluice {

inline bool MaxActiveRunsAllows(const DagSpec& dag, int running_runs) {
  return running_runs < dag.max_active_runs;
}

}  // namespace sluice
