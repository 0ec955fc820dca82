#pragma once
// A planner rebuilt from what the store holds, as a restarted scheduler has it before its first
// turn (Driver::Start): the DAG rows, every open run with its graph and (for depends_on_past)
// its previous run, and the attempts the store says are running, counted by the limits. For
// questions only (`sluice tasks why`, Planner::Explain): nothing it decides is committed, and no
// scheduler need be running. It reads the store only; it never adopts or starts a process.

#include <memory>

#include "scheduler/planner.h"
#include "sluice/store.h"

namespace sluice {

// `options`: the scheduler's (parallelism, the executor's name), so the limits and the claims
// read as the scheduler reads them. Errors: the store's, or kInternal when a run's DAG version
// is missing from it.
Result<std::unique_ptr<Planner>> LoadPlannerView(Store& store, const PlannerOptions& options,
                                                 TimePoint now);

}  // namespace sluice
