#include "control/clear.h"

#include "control/run_lookup.h"
#include "control/scheduler_lock.h"
#include "scheduler/run_builder.h"
#include "util/strings.h"

namespace sluice::control {

Result<std::string> Clear(const Context& ctx, const std::string& dag_id, const std::string& run_id,
                          const std::string& task_id, bool downstream, const CommandWait& wait) {
  SLUICE_ASSIGN_OR_RETURN(RunRecord run, FindRun(ctx.store, dag_id, run_id));
  SLUICE_ASSIGN_OR_RETURN(DagGraphPtr graph, RunGraph(ctx.store, run));
  if (graph->IndexOf(task_id) < 0) {
    return Status::NotFound("dag '" + dag_id + "' has no task '" + task_id + "'");
  }
  const TimePoint now = ctx.clock.Now();
  if (SchedulerRunning(ctx.config)) {
    return RunCommand(
        ctx.store, "clear",
        {{"dag", dag_id}, {"run", run_id}, {"task", task_id}, {"downstream", downstream}}, now,
        wait);
  }
  std::vector<std::string> cleared;
  SLUICE_ASSIGN_OR_RETURN(WriteBatch batch,
                          PlanClear(ctx.store, *graph, run_id, task_id, downstream, now, &cleared));
  SLUICE_RETURN_IF_ERROR(ctx.store.Apply(batch));
  return "cleared " + std::to_string(cleared.size()) + " task(s): " + Join(cleared, ", ") +
         "; they run when a scheduler is running";
}

}  // namespace sluice::control
