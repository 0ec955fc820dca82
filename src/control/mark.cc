#include "control/mark.h"

#include "control/run_lookup.h"
#include "control/scheduler_lock.h"
#include "scheduler/run_builder.h"

namespace sluice::control {
namespace {

// With every task ended, a run is failed when a leaf failed or its upstream did, else success
// (DESIGN.md §2 "States"). Nullopt while a task has not ended.
std::optional<RunState> EndedRunState(const DagGraph& graph,
                                      const std::vector<TaskInstanceRecord>& tis) {
  bool failed = false;
  for (const auto& ti : tis) {
    if (!IsTerminal(ti.state)) return std::nullopt;
    const int index = graph.IndexOf(ti.task_id);
    if (index >= 0 && graph.is_leaf(static_cast<size_t>(index)) &&
        (ti.state == TaskState::kFailed || ti.state == TaskState::kUpstreamFailed)) {
      failed = true;
    }
  }
  return failed ? RunState::kFailed : RunState::kSuccess;
}

}  // namespace

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
  const TaskState from = ti.state;
  ti.state = state;
  ti.end = now;
  ti.next_try_at.reset();
  batch.events.push_back(TaskStateEvent(now, ti, from, "marked by hand"));
  batch.task_instances.push_back(ti);
  for (auto& other : tis) {
    if (other.task_id == task_id) other = ti;
  }
  std::string message =
      "marked " + what + " " + TaskStateName(state) + " (was " + TaskStateName(from) + ")";
  const std::optional<RunState> ended = EndedRunState(*graph, tis);
  if (ended && *ended != run.state) {
    const std::string run_from = RunStateName(run.state);
    run.state = *ended;
    run.end = now;
    batch.events.push_back(RunStateEvent(now, run, run_from, "a task was marked by hand"));
    batch.runs.push_back(run);
    message += "; the run is now " + std::string(RunStateName(run.state));
  }
  SLUICE_RETURN_IF_ERROR(ctx.store.Apply(batch));
  return message;
}

}  // namespace sluice::control
