#include "control/cancel.h"

#include "control/record_json.h"
#include "control/run_lookup.h"
#include "control/scheduler_lock.h"
#include "scheduler/run_builder.h"

namespace sluice::control {

Result<std::string> CancelRun(const Context& ctx, const std::string& dag_id,
                              const std::string& run_id, const CommandWait& wait) {
  SLUICE_ASSIGN_OR_RETURN(RunRecord run, FindRun(ctx.store, dag_id, run_id));
  const std::string what = "run '" + run_id + "' of dag '" + dag_id + "'";
  if (IsTerminal(run.state)) {
    return Status::Precondition(what + " has already ended (" + RunStateName(run.state) +
                                "): nothing to cancel");
  }
  const TimePoint now = ctx.clock.Now();
  if (SchedulerRunning(ctx.config)) {
    return RunCommand(ctx.store, "cancel", {{"dag", dag_id}, {"run", run_id}}, now, wait);
  }
  SLUICE_ASSIGN_OR_RETURN(auto tis, ctx.store.ListTaskInstances(dag_id, run_id));
  // Every attempt of the run in one read, rather than one read per unfinished task.
  SLUICE_ASSIGN_OR_RETURN(auto attempts, ctx.store.ListAttempts(dag_id, run_id, ""));
  int failed = 0;
  for (const auto& ti : tis) {
    if (IsTerminal(ti.state)) continue;
    ++failed;
    const AttemptRecord* newest = NewestAttempt(attempts, ti);
    if (newest && newest->state == AttemptState::kRunning) {
      return Status::Precondition(
          "task '" + ti.task_id + "' of " + what + " is running under its supervisor while no " +
          "scheduler runs on " + ctx.config.home +
          "; start the scheduler (it adopts the attempt), then cancel the run");
    }
  }
  SLUICE_RETURN_IF_ERROR(ctx.store.Apply(CancelRunRecords(run, tis, now)));
  return "cancelled " + what + ": " + std::to_string(failed) + " task(s) failed; the run is failed";
}

}  // namespace sluice::control
