// Commands from the CLI (later the API), carried out by the planner because the runs they
// touch may be in its hands: `trigger`, `pause` and `unpause` were already written to the store
// by the caller, and the planner brings its memory up to date; `clear`, `kill` and `mark` are
// decided here. Each command is finished (done or failed, with a message for the caller) in the
// same decision as its transitions.
#include <algorithm>
#include <map>

#include "scheduler/command_args.h"
#include "scheduler/planner.h"
#include "scheduler/run_builder.h"

namespace sluice {

void Planner::OnCommand(const CommandRecord& command, const CommandInput& input, TimePoint now) {
  now_ = now;
  CommandRecord done = command;
  done.state = "done";
  const CommandArgs args = CommandArgs::Parse(command.args_json);
  const std::string& dag_id = args.dag;
  const std::string& run_id = args.run;
  if (!input.error.empty()) {
    done.state = "failed";
    done.result = input.error;
  } else if (command.kind == "trigger") {
    if (!runs_.count({dag_id, run_id}) && input.run && !IsTerminal(input.run->run.state)) {
      LoadRun(*input.run);
      AdmitRuns(dag_id);
    }
  } else if (command.kind == "pause" || command.kind == "unpause") {
    if (input.dag) {
      DagEntry& dag = dags_[dag_id];
      dag.rec.paused = input.dag->paused;
      OnDagScheduleChanged(dag_id);
      AdmitRuns(dag_id);
    }
  } else if (command.kind == "clear") {
    bool ok = true;
    const ClearScope scope{.task = args.task,
                           .downstream = args.downstream,
                           .upstream = args.upstream,
                           .only_failed = args.only_failed};
    done.result = Clear(dag_id, run_id, scope, input, &ok);
    if (!ok) done.state = "failed";
  } else if (command.kind == "cancel") {
    bool ok = true;
    done.result = CancelRun(dag_id, run_id, input, &ok);
    if (!ok) done.state = "failed";
  } else if (command.kind == "kill") {
    bool ok = true;
    done.result = KillTask(dag_id, run_id, args.task, &ok);
    if (!ok) done.state = "failed";
  } else if (command.kind == "mark") {
    bool ok = true;
    done.result = Mark(dag_id, run_id, args.task, args.state, input, &ok);
    if (!ok) done.state = "failed";
  } else {
    done.state = "failed";
    done.result = "unknown command '" + command.kind + "'";
  }
  decision_.writes.finished_commands.push_back(std::move(done));
}

// Clears task instances of a run the planner holds, or of one the driver read from the store
// (a finished run, which goes back to queued). Returns the command's result message.
std::string Planner::Clear(const std::string& dag_id, const std::string& run_id,
                           const ClearScope& scope, const CommandInput& input, bool* ok) {
  auto it = runs_.find({dag_id, run_id});
  ActiveRun* held = it == runs_.end() ? nullptr : it->second.get();
  if (!held && !input.run) {
    *ok = false;
    return "no run '" + run_id + "' of dag '" + dag_id + "'";
  }
  DagGraphPtr graph = held ? held->graph : input.run->graph;
  std::vector<TaskInstanceRecord> current;
  if (held) {
    for (const auto* slots : {&held->tasks, &held->removed}) {
      for (const auto& slot : *slots) current.push_back(slot.rec);
    }
  }
  auto targets = ClearTargets(*graph, run_id, held ? current : input.run->task_instances, scope);
  if (!targets.ok()) {
    *ok = false;
    return targets.status().message();
  }
  for (const auto& id : *targets) StopAttempts(dag_id, run_id, id);
  // The run as it stands, cleared, then taken in again as if loaded. What the store holds
  // stays what it held before: the cleared records are written with this decision, as
  // transitions from those states.
  StoredRun stored;
  std::map<std::string, std::optional<TaskState>> stored_states;
  std::optional<RunState> run_stored;
  if (held) {
    stored.run = held->rec;
    stored.graph = held->graph;
    stored.previous = held->previous;
    for (const auto* slots : {&held->tasks, &held->removed}) {
      for (const auto& slot : *slots) {
        stored.task_instances.push_back(slot.rec);
        stored_states[slot.rec.task_id] = slot.stored;
      }
    }
    run_stored = held->stored;
    ForgetReady({dag_id, run_id});
    // A run that ended in this decision still counts as running until it is dropped; it is
    // taken in again here, so it must not be dropped.
    if (held->rec.state != RunState::kQueued) --dags_[dag_id].running_runs;
    finished_runs_.erase(
        std::remove(finished_runs_.begin(), finished_runs_.end(), RunKey{dag_id, run_id}),
        finished_runs_.end());
    runs_.erase(it);
  } else {
    stored = *input.run;
    for (const auto& ti : stored.task_instances) stored_states[ti.task_id] = ti.state;
    run_stored = stored.run.state;
  }
  const std::vector<std::string>& cleared = *targets;
  WriteBatch writes = ClearTaskInstances(stored.run, stored.task_instances, cleared, now_);
  for (auto& e : writes.events) decision_.writes.events.push_back(std::move(e));
  LoadRun(std::move(stored));
  ActiveRun& run = *runs_[{dag_id, run_id}];
  run.stored = run_stored;
  for (auto* slots : {&run.tasks, &run.removed}) {
    for (auto& slot : *slots) {
      auto known = stored_states.find(slot.rec.task_id);
      slot.stored = known == stored_states.end() ? std::nullopt : known->second;
    }
  }
  for (const auto& id : cleared) MarkDirty(run, id);
  if (!writes.run_transitions.empty()) MarkRunDirty(run);
  const DagEntry& dag = dags_[dag_id];
  if (dag.graph && dag.graph != run.graph) RebindRun(run, dag.graph);
  if (run.rec.state == RunState::kRunning) Reactivate(run);
  AdmitRuns(dag_id);
  std::string list;
  for (const auto& id : cleared) list += (list.empty() ? "" : ", ") + id;
  return "cleared " + std::to_string(cleared.size()) + " task(s): " + list;
}

// Ends an open run by hand. Its tasks fail in the DAG's order with nothing evaluated meanwhile
// (`cancelled`), so no downstream task starts, not even an all_done one; the run ends failed
// once its stopped attempts have ended (MaybeFinishRun). A queued run is started first so that
// it ends like any other.
std::string Planner::CancelRun(const std::string& dag_id, const std::string& run_id,
                               const CommandInput& input, bool* ok) {
  auto it = runs_.find({dag_id, run_id});
  if (it == runs_.end()) {
    *ok = false;
    if (input.run) {
      return "run '" + run_id + "' of dag '" + dag_id + "' has already ended (" +
             RunStateName(input.run->run.state) + "): nothing to cancel";
    }
    return "no run '" + run_id + "' of dag '" + dag_id + "'";
  }
  ActiveRun& run = *it->second;
  run.cancelled = true;
  ForgetReady({dag_id, run_id});
  if (run.rec.state == RunState::kQueued) StartRun(run);
  int stopped = 0;
  int failed = 0;
  for (size_t i = 0; i < run.tasks.size(); ++i) {
    TaskSlot& slot = run.tasks[i];
    if (IsTerminal(slot.rec.state)) continue;
    if (slot.rec.state == TaskState::kRunning || slot.rec.state == TaskState::kDeferred) ++stopped;
    StopAttempts(dag_id, run_id, slot.rec.task_id);
    slot.poke_in_flight = 0;
    slot.waiting_on_past = false;
    FinishTask(run, static_cast<int>(i), TaskState::kFailed, kCancelledByHand);
    ++failed;
  }
  MaybeFinishRun(run);
  return "cancelled run '" + run_id + "' of dag '" + dag_id + "': " + std::to_string(failed) +
         " task(s) failed, " + std::to_string(stopped) + " of them stopped while running";
}

// Stops the task's running attempts (after the commit); their ends are recorded for the
// attempts only, not for the task instance, which a clear or a mark has moved on.
void Planner::StopAttempts(const std::string& dag_id, const std::string& run_id,
                           const std::string& task_id) {
  for (auto& [key, attempt] : attempts_) {
    if (key.dag_id == dag_id && key.run_id == run_id && key.task_id == task_id) {
      attempt.orphaned = true;
      Kill(key);
    }
  }
}

// Stops a running task instance; it ends failed, without a retry, when its attempt has ended.
std::string Planner::KillTask(const std::string& dag_id, const std::string& run_id,
                              const std::string& task_id, bool* ok) {
  auto it = runs_.find({dag_id, run_id});
  const int index = it == runs_.end() ? -1 : it->second->graph->IndexOf(task_id);
  const TaskInstanceRecord* ti =
      index < 0 ? nullptr : &it->second->tasks[static_cast<size_t>(index)].rec;
  auto attempt =
      ti ? attempts_.find(AttemptKey{dag_id, run_id, task_id, ti->try_number, ti->map_index})
         : attempts_.end();
  const std::string what = "task '" + task_id + "' of run '" + run_id + "'";
  if (ti && ti->state == TaskState::kDeferred) return KillSensor(*it->second, index);
  if (!ti || ti->state != TaskState::kRunning || attempt == attempts_.end() ||
      attempt->second.orphaned) {
    *ok = false;
    if (it == runs_.end()) return what + " is not running (its run is not open)";
    return what + " is not running" +
           (ti ? " (state " + std::string(TaskStateName(ti->state)) + ")" : "");
  }
  // The request is committed with the command, before the signal: a scheduler restarted in
  // between signals it again (RecoverAttempt), and the task still fails without a retry.
  attempt->second.rec.kill_requested = true;
  RecordAttempt(attempt->second.rec);
  Kill(attempt->first);
  return "killed " + what + " (try " + std::to_string(ti->try_number) + ")";
}

// Sets a task instance's state by hand. In a run the planner holds, the task ends (a running
// attempt is stopped) and its downstream tasks react as to any end; in a finished run
// (MarkTaskInstance) the run's state follows its leaves again. Tasks already ended downstream
// keep their states (clear them to re-run them). Messages as `sluice tasks mark` without a
// scheduler (control/mark.h).
std::string Planner::Mark(const std::string& dag_id, const std::string& run_id,
                          const std::string& task_id, const std::string& state_name,
                          const CommandInput& input, bool* ok) {
  auto state = ParseTaskState(state_name);
  if (!state || (*state != TaskState::kSuccess && *state != TaskState::kFailed)) {
    *ok = false;
    return "a task can be marked success or failed, not " + state_name;
  }
  const std::string what = "task '" + task_id + "' of run '" + run_id + "'";
  auto it = runs_.find({dag_id, run_id});
  if (it == runs_.end()) {
    if (!input.run) {
      *ok = false;
      return "no run '" + run_id + "' of dag '" + dag_id + "'";
    }
    StoredRun stored = *input.run;
    auto ti = std::find_if(stored.task_instances.begin(), stored.task_instances.end(),
                           [&](const TaskInstanceRecord& r) { return r.task_id == task_id; });
    if (ti == stored.task_instances.end() || ti->state == TaskState::kRemoved) {
      *ok = false;
      return "dag '" + dag_id + "' has no task '" + task_id + "' in run '" + run_id + "'";
    }
    if (ti->state == *state) return what + " is already " + state_name;
    std::string message = MarkTaskInstance(*stored.graph, stored.run, stored.task_instances,
                                           task_id, *state, now_, &decision_.writes);
    // depends_on_past reads closed runs from memory: they follow the mark.
    RunOutcomes outcomes{stored.run.run_id, stored.run.logical_date, {}};
    for (const auto& r : stored.task_instances) outcomes.states[r.task_id] = r.state;
    NoteClosed(dag_id, std::move(outcomes));
    RecheckDependsOnPast(dag_id);
    return message;
  }
  ActiveRun& run = *it->second;
  const int index = run.graph->IndexOf(task_id);
  if (index < 0) {
    *ok = false;
    return "dag '" + dag_id + "' has no task '" + task_id + "' in run '" + run_id + "'";
  }
  TaskInstanceRecord& ti = run.tasks[static_cast<size_t>(index)].rec;
  if (ti.state == *state) return what + " is already " + state_name;
  const std::string was = TaskStateName(ti.state);
  StopAttempts(dag_id, run_id, task_id);
  if (!IsTerminal(ti.state)) {
    ti.next_try_at.reset();
    FinishTask(run, index, *state, "marked by hand");
  } else {
    // Ended already: the new state replaces the old one, and the counts of its downstream
    // tasks are taken again; those still waiting decide anew.
    ti.end = now_;
    SetTaskState(run, index, *state, "marked by hand");
    for (int down : run.graph->downstream(static_cast<size_t>(index))) {
      RecountUpstream(run, static_cast<size_t>(down));
      Evaluate(run, down);
    }
    if (run.graph->task(static_cast<size_t>(index)).depends_on_past) RecheckDependsOnPast(dag_id);
    MaybeFinishRun(run);
  }
  if (IsTerminal(run.rec.state) && LeafState(run) != run.rec.state) {
    // The run ended in this decision, before the mark: its state follows its leaves again.
    const std::string from = RunStateName(run.rec.state);
    run.rec.state = LeafState(run);
    decision_.writes.events.push_back(
        RunStateEvent(now_, run.rec, from, "a task was marked by hand"));
    MarkRunDirty(run);
  }
  return "marked " + what + " " + state_name + " (was " + was + ")";
}

}  // namespace sluice
