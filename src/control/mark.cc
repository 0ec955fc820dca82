#include "control/mark.h"

#include "control/run_lookup.h"
#include "control/scheduler_lock.h"
#include "scheduler/run_builder.h"

namespace sluice::control {

Result<std::string> Mark(const Context& ctx, const std::string& dag_id, const std::string& run_id,
                         const std::string& task_id, TaskState state, const CommandWait& wait) {
  if (state != TaskState::kSuccess && state != TaskState::kFailed) {
    return Status::Invalid("a task can be marked success or failed, not " +
                           std::string(TaskStateName(state)));
  }
  SLUICE_ASSIGN_OR_RETURN(RunRecord run, FindRun(ctx.store, dag_id, run_id));
  SLUICE_ASSIGN_OR_RETURN(TaskInstanceRecord ti, FindTaskInstance(ctx.store, run, task_id));
  const TimePoint now = ctx.clock.Now();
  if (SchedulerRunning(ctx.config)) {
    return RunCommand(
        ctx.store, "mark",
        {{"dag", dag_id}, {"run", run_id}, {"task", task_id}, {"state", TaskStateName(state)}}, now,
        wait);
  }
  const std::string what = "task '" + task_id + "' of run '" + run_id + "'";
  if (ti.state == state) return what + " is already " + TaskStateName(state);
  SLUICE_ASSIGN_OR_RETURN(auto attempts, ctx.store.ListAttempts(dag_id, run_id, task_id));
  if (!attempts.empty() && attempts.back().state == AttemptState::kRunning) {
    return Status::Precondition(
        what + " is running under its supervisor while no scheduler runs on " + ctx.config.home +
        "; start the scheduler (it adopts the attempt), then mark it");
  }
  SLUICE_ASSIGN_OR_RETURN(DagGraphPtr graph, RunGraph(ctx.store, run));
  SLUICE_ASSIGN_OR_RETURN(auto tis, ctx.store.ListTaskInstances(dag_id, run_id));

  WriteBatch batch;
  const std::string message = MarkTaskInstance(*graph, run, tis, task_id, state, now, &batch);
  SLUICE_RETURN_IF_ERROR(ctx.store.Apply(batch));
  return message;
}

}  // namespace sluice::control
