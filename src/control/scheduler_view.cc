#include "control/scheduler_view.h"

#include <unistd.h>

#include "scheduler/planner_view.h"

namespace sluice::control {
namespace {

// The scheduler names its executor's claims local@HOST (apps/sluice/cmd_scheduler.cc); the
// view must too, or it would take this host's own attempts for another executor's.
std::string ExecutorName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "local@localhost";
  return std::string("local@") + buf;
}

}  // namespace

Result<std::unique_ptr<Planner>> LoadSchedulerView(const Context& ctx) {
  PlannerOptions options;
  options.parallelism = ctx.config.parallelism;
  options.pools = ctx.config.pools;
  options.logs_dir = ctx.config.logs_dir();
  options.executor = ExecutorName();
  return LoadPlannerView(ctx.store, options, ctx.clock.Now());
}

}  // namespace sluice::control
