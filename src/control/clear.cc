#include "control/clear.h"

#include "control/run_lookup.h"
#include "control/scheduler_lock.h"
#include "util/strings.h"

namespace sluice::control {

Result<std::string> Clear(const Context& ctx, const std::string& dag_id, const std::string& run_id,
                          const ClearScope& scope, const CommandWait& wait) {
  SLUICE_ASSIGN_OR_RETURN(RunRecord run, FindRun(ctx.store, dag_id, run_id));
  SLUICE_ASSIGN_OR_RETURN(DagGraphPtr graph, RunGraph(ctx.store, run));
  if (!scope.task.empty() && graph->IndexOf(scope.task) < 0) {
    return Status::NotFound("dag '" + dag_id + "' has no task '" + scope.task + "'");
  }
  const TimePoint now = ctx.clock.Now();
  if (SchedulerRunning(ctx.config)) {
    nlohmann::json args = {
        {"dag", dag_id}, {"run", run_id}, {"task", scope.task}, {"downstream", scope.downstream}};
    if (scope.upstream) args["upstream"] = true;
    if (scope.only_failed) args["only_failed"] = true;
    return RunCommand(ctx.store, "clear", args, now, wait);
  }
  std::vector<std::string> cleared;
  SLUICE_ASSIGN_OR_RETURN(WriteBatch batch,
                          PlanClear(ctx.store, *graph, run_id, scope, now, &cleared));
  SLUICE_RETURN_IF_ERROR(ctx.store.Apply(batch));
  return "cleared " + std::to_string(cleared.size()) + " task(s): " + Join(cleared, ", ") +
         "; they run when a scheduler is running";
}

}  // namespace sluice::control
