#include "control/pool_list.h"

#include "control/scheduler_view.h"

namespace sluice::control {

Result<std::vector<PoolUsage>> ListPools(const Context& ctx) {
  SLUICE_ASSIGN_OR_RETURN(auto view, LoadSchedulerView(ctx));
  return view->Pools();
}

}  // namespace sluice::control
