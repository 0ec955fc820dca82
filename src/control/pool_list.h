#pragma once
// `sluice pools list`: each pool's slots, the slots its running attempts hold and its task
// instances waiting for a slot, read from the store as a restarted scheduler would see them
// (scheduler/planner_view.h), so the figures match what the scheduler enforces.

#include <vector>

#include "control/context.h"
#include "scheduler/pool_limit.h"

namespace sluice::control {

// The `default` pool first, then sluice.yaml's pools by name.
Result<std::vector<PoolUsage>> ListPools(const Context& ctx);

}  // namespace sluice::control
