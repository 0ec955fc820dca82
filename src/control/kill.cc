#include "control/kill.h"

#include "control/run_lookup.h"
#include "control/scheduler_lock.h"

namespace sluice::control {

Result<std::string> Kill(const Context& ctx, const std::string& dag_id, const std::string& run_id,
                         const std::string& task_id, const CommandWait& wait) {
  SLUICE_ASSIGN_OR_RETURN(RunRecord run, FindRun(ctx.store, dag_id, run_id));
  SLUICE_ASSIGN_OR_RETURN(TaskInstanceRecord ti, FindTaskInstance(ctx.store, run, task_id));
  if (SchedulerRunning(ctx.config)) {
    return RunCommand(ctx.store, "kill", {{"dag", dag_id}, {"run", run_id}, {"task", task_id}},
                      ctx.clock.Now(), wait);
  }
  const std::string what = "task '" + task_id + "' of run '" + run_id + "'";
  SLUICE_ASSIGN_OR_RETURN(auto attempts, ctx.store.ListAttempts(dag_id, run_id, task_id));
  if (!attempts.empty() && attempts.back().state == AttemptState::kRunning) {
    return Status::Precondition(NoSchedulerRunning(ctx.config) + ", and " + what +
                                " was left running under its supervisor (try " +
                                std::to_string(attempts.back().try_number) +
                                "); start the scheduler (it adopts the attempt), then kill it");
  }
  return Status::Precondition(NoSchedulerRunning(ctx.config) + ": nothing runs (" + what + " is " +
                              TaskStateName(ti.state) + ")");
}

}  // namespace sluice::control
