#include "scheduler/run_builder.h"

#include <optional>
#include <set>

#include "core/dag_loader.h"
#include "time/time_format.h"

namespace sluice {

std::string MakeRunId(RunType type, TimePoint logical_date) {
  return std::string(RunTypeName(type)) + "__" + FormatIsoUtc(logical_date);
}

WriteBatch BuildNewRun(const DagGraph& dag, RunType type, const RunWindowInput& window,
                       const std::string& params_json, TimePoint now) {
  WriteBatch batch;
  RunRecord run;
  run.dag_id = dag.id();
  run.run_id = MakeRunId(type, window.logical_date);
  run.type = type;
  run.state = RunState::kQueued;
  run.logical_date = window.logical_date;
  run.data_interval_start = window.data_interval_start;
  run.data_interval_end = window.data_interval_end;
  run.dag_hash = dag.spec().hash;
  run.params_json = params_json;
  run.queued_at = now;
  batch.events.push_back(RunStateEvent(now, run, "", RunTypeName(type)));
  for (size_t i = 0; i < dag.size(); ++i) {
    TaskInstanceRecord ti;
    ti.dag_id = run.dag_id;
    ti.run_id = run.run_id;
    ti.task_id = dag.task(i).id;
    batch.task_instances.push_back(std::move(ti));
  }
  batch.runs.push_back(std::move(run));
  return batch;
}

void AddDagVersionIfNew(Store& store, const DagSpec& dag, TimePoint now, WriteBatch* batch) {
  auto stored = store.GetDagVersion(dag.id, dag.hash);
  if (stored.ok() && *stored) return;
  batch->dag_versions.push_back({dag.id, dag.hash, DagToJson(dag), now});
}

EventRecord TaskStateEvent(TimePoint now, const TaskInstanceRecord& ti, TaskState from,
                           const std::string& detail) {
  EventRecord e;
  e.time = now;
  e.dag_id = ti.dag_id;
  e.run_id = ti.run_id;
  e.task_id = ti.task_id;
  e.map_index = ti.map_index;
  e.kind = "task_state";
  e.from = TaskStateName(from);
  e.to = TaskStateName(ti.state);
  e.detail = detail;
  return e;
}

EventRecord RunStateEvent(TimePoint now, const RunRecord& run, const std::string& from,
                          const std::string& detail) {
  EventRecord e;
  e.time = now;
  e.dag_id = run.dag_id;
  e.run_id = run.run_id;
  e.kind = "run_state";
  e.from = from;
  e.to = RunStateName(run.state);
  e.detail = detail;
  return e;
}

Result<std::vector<std::string>> ClearTargets(const DagGraph& dag, const std::string& run_id,
                                              const std::vector<TaskInstanceRecord>& tis,
                                              const ClearScope& scope) {
  std::vector<bool> chosen(dag.size(), scope.task.empty());
  if (!scope.task.empty()) {
    const int index = dag.IndexOf(scope.task);
    if (index < 0)
      return Status::NotFound("dag '" + dag.id() + "' has no task '" + scope.task + "'");
    chosen[static_cast<size_t>(index)] = true;
    if (scope.downstream) {
      for (int i : dag.WithDownstream(index)) chosen[static_cast<size_t>(i)] = true;
    }
    if (scope.upstream) {
      for (int i : dag.WithUpstream(index)) chosen[static_cast<size_t>(i)] = true;
    }
  }
  std::vector<std::string> out;
  for (const auto& ti : tis) {
    const int index = dag.IndexOf(ti.task_id);
    if (index < 0 || !chosen[static_cast<size_t>(index)]) continue;
    if (scope.only_failed && ti.state != TaskState::kFailed &&
        ti.state != TaskState::kUpstreamFailed) {
      continue;
    }
    out.push_back(ti.task_id);
  }
  if (scope.only_failed && out.empty()) {
    return Status::Precondition("run '" + run_id + "' has no failed task to clear");
  }
  return out;
}

WriteBatch ClearTaskInstances(RunRecord& run, std::vector<TaskInstanceRecord>& tis,
                              const std::vector<std::string>& targets, TimePoint now) {
  const std::set<std::string> chosen(targets.begin(), targets.end());
  WriteBatch batch;
  for (auto& ti : tis) {
    if (!chosen.count(ti.task_id)) continue;
    TaskState from = ti.state;
    ti.state = TaskState::kNone;
    ti.retry_base = ti.try_number;
    ti.end.reset();
    ti.next_try_at.reset();
    // A sensor's next wait counts its pokes anew.
    ti.pokes = 0;
    ti.last_poke_at.reset();
    ti.last_poke.clear();
    batch.events.push_back(TaskStateEvent(now, ti, from, "cleared"));
    batch.task_transitions.push_back({ti, from});
  }
  if (IsTerminal(run.state)) {
    const RunState from = run.state;
    run.state = RunState::kQueued;
    run.end.reset();
    run.queued_at = now;
    batch.events.push_back(RunStateEvent(now, run, RunStateName(from), "cleared"));
    batch.run_transitions.push_back({run, from});
  }
  return batch;
}

WriteBatch CancelRunRecords(RunRecord& run, std::vector<TaskInstanceRecord>& tis, TimePoint now) {
  WriteBatch batch;
  for (auto& ti : tis) {
    if (IsTerminal(ti.state)) continue;
    const TaskState from = ti.state;
    ti.state = TaskState::kFailed;
    ti.end = now;
    ti.next_try_at.reset();
    ti.lease_until.reset();
    batch.events.push_back(TaskStateEvent(now, ti, from, kCancelledByHand));
    batch.task_transitions.push_back({ti, from});
  }
  const RunState from = run.state;
  run.state = RunState::kFailed;
  if (!run.start) run.start = now;
  run.end = now;
  batch.events.push_back(RunStateEvent(now, run, RunStateName(from), kCancelledByHand));
  batch.run_transitions.push_back({run, from});
  return batch;
}

namespace {

// With every task ended, a run is failed when a leaf failed or its upstream did, else success
// (DESIGN.md §2 "States"). None while a task has not ended.
std::optional<RunState> EndedRunState(const DagGraph& dag,
                                      const std::vector<TaskInstanceRecord>& tis) {
  bool failed = false;
  for (const auto& ti : tis) {
    if (!IsTerminal(ti.state)) return std::nullopt;
    const int index = dag.IndexOf(ti.task_id);
    if (index >= 0 && dag.is_leaf(static_cast<size_t>(index)) &&
        (ti.state == TaskState::kFailed || ti.state == TaskState::kUpstreamFailed)) {
      failed = true;
    }
  }
  return failed ? RunState::kFailed : RunState::kSuccess;
}

}  // namespace

std::string MarkTaskInstance(const DagGraph& dag, RunRecord& run,
                             std::vector<TaskInstanceRecord>& tis, const std::string& task_id,
                             TaskState state, TimePoint now, WriteBatch* batch) {
  std::string message;
  for (auto& ti : tis) {
    if (ti.task_id != task_id) continue;
    const TaskState from = ti.state;
    ti.state = state;
    ti.end = now;
    ti.next_try_at.reset();
    batch->events.push_back(TaskStateEvent(now, ti, from, "marked by hand"));
    batch->task_transitions.push_back({ti, from});
    message = "marked task '" + task_id + "' of run '" + run.run_id + "' " + TaskStateName(state) +
              " (was " + TaskStateName(from) + ")";
  }
  const std::optional<RunState> ended = EndedRunState(dag, tis);
  if (ended && *ended != run.state) {
    const RunState run_from = run.state;
    run.state = *ended;
    run.end = now;
    batch->events.push_back(
        RunStateEvent(now, run, RunStateName(run_from), "a task was marked by hand"));
    batch->run_transitions.push_back({run, run_from});
    message += "; the run is now " + std::string(RunStateName(run.state));
  }
  return message;
}

Result<WriteBatch> PlanClear(Store& store, const DagGraph& dag, const std::string& run_id,
                             const ClearScope& scope, TimePoint now,
                             std::vector<std::string>* cleared) {
  SLUICE_ASSIGN_OR_RETURN(auto run, store.GetRun(dag.id(), run_id));
  if (!run) return Status::NotFound("no run '" + run_id + "' of dag '" + dag.id() + "'");
  SLUICE_ASSIGN_OR_RETURN(auto tis, store.ListTaskInstances(dag.id(), run_id));
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> targets, ClearTargets(dag, run_id, tis, scope));
  if (cleared) *cleared = targets;
  return ClearTaskInstances(*run, tis, targets, now);
}

}  // namespace sluice
