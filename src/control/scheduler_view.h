#pragma once
// The scheduler's planner as a restarted scheduler on this host would rebuild it from the store
// (scheduler/planner_view.h), with the settings the scheduler runs with: for the commands that
// answer questions about what it holds (`tasks why`, `pools list`), with or without a running
// scheduler. Reads the store only.

#include <memory>

#include "control/context.h"
#include "scheduler/planner.h"

namespace sluice::control {

Result<std::unique_ptr<Planner>> LoadSchedulerView(const Context& ctx);

}  // namespace sluice::control
