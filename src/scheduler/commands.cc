// Commands from the CLI (later the API), carried out by the planner because the runs they
// touch may be in its hands: `trigger`, `pause` and `unpause` were already written to the store
// by the caller, and the planner brings its memory up to date; `clear`, `kill` and `mark` are
// decided here. Each command is finished (done or failed, with a message for the caller) in the
// same decision as its transitions.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "scheduler/planner.h"
#include "scheduler/run_builder.h"

namespace sluice {

void Planner::OnCommand(const CommandRecord& command, const CommandInput& input, TimePoint now) {
  now_ = now;
  CommandRecord done = command;
  done.state = "done";
  auto args = nlohmann::json::parse(command.args_json, nullptr, false);
  auto str = [&](const char* key) {
    return args.is_object() && args.contains(key) && args[key].is_string()
               ? args[key].get<std::string>()
               : std::string();
  };
  const std::string dag_id = str("dag");
  const std::string run_id = str("run");
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
    const std::string task_id = str("task");
    const bool downstream = args.is_object() && args.value("downstream", false);
    bool ok = true;
    done.result = Clear(dag_id, run_id, task_id, downstream, input, &ok);
    if (!ok) done.state = "failed";
  } else if (command.kind == "kill") {
    bool ok = true;
    done.result = KillTask(dag_id, run_id, str("task"), &ok);
    if (!ok) done.state = "failed";
  } else if (command.kind == "mark") {
    bool ok = true;
    done.result = Mark(dag_id, run_id, str("task"), str("state"), input, &ok);
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
                           const std::string& task_id, bool downstream, const CommandInput& input,
                           bool* ok) {
  auto it = runs_.find({dag_id, run_id});
  ActiveRun* held = it == runs_.end() ? nullptr : it->second.get();
  if (!held && !input.run) {
    *ok = false;
    return "no run '" + run_id + "' of dag '" + dag_id + "'";
  }
  DagGraphPtr graph = held ? held->graph : input.run->graph;
  const int index = graph->IndexOf(task_id);
  if (index < 0) {
    *ok = false;
    return "dag '" + dag_id + "' has no task '" + task_id + "'";
  }
  for (int i : downstream ? graph->WithDownstream(index) : std::vector<int>{index}) {
    StopAttempts(dag_id, run_id, graph->task(static_cast<size_t>(i)).id);
  }
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
    if (held->rec.state == RunState::kRunning) --dags_[dag_id].running_runs;
    runs_.erase(it);
  } else {
    stored = *input.run;
    for (const auto& ti : stored.task_instances) stored_states[ti.task_id] = ti.state;
    run_stored = stored.run.state;
  }
  std::vector<std::string> cleared;
  WriteBatch writes = ClearTaskInstances(*stored.graph, stored.run, stored.task_instances, task_id,
                                         downstream, now_, &cleared);
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
  if (!writes.runs.empty()) MarkRunDirty(run);
  const DagEntry& dag = dags_[dag_id];
  if (dag.graph && dag.graph != run.graph) RebindRun(run, dag.graph);
  if (run.rec.state == RunState::kRunning) StartRun(run);
  AdmitRuns(dag_id);
  std::string list;
  for (const auto& id : cleared) list += (list.empty() ? "" : ", ") + id;
  return "cleared " + std::to_string(cleared.size()) + " task(s): " + list;
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
      ti ? attempts_.find(AttemptKey{dag_id, run_id, task_id, ti->try_number}) : attempts_.end();
  if (!ti || ti->state != TaskState::kRunning || attempt == attempts_.end() ||
      attempt->second.orphaned) {
    *ok = false;
    return "task '" + task_id + "' of run '" + run_id + "' of dag '" + dag_id + "' is not running" +
           (ti ? " (it is " + std::string(TaskStateName(ti->state)) + ")" : "");
  }
  attempt->second.killed = true;
  Kill(attempt->first);
  return "killing " + task_id + " (try " + std::to_string(ti->try_number) + ")";
}

// Sets a task instance's state by hand. In an open run it ends (a running attempt is stopped)
// and its downstream tasks react as to any end; in a finished run, the run's state follows its
// leaves again. Tasks already ended downstream keep their states (clear them to re-run them).
std::string Planner::Mark(const std::string& dag_id, const std::string& run_id,
                          const std::string& task_id, const std::string& state_name,
                          const CommandInput& input, bool* ok) {
  auto state = ParseTaskState(state_name);
  if (!state || (*state != TaskState::kSuccess && *state != TaskState::kFailed)) {
    *ok = false;
    return "cannot mark a task '" + state_name + "' (use success or failed)";
  }
  auto it = runs_.find({dag_id, run_id});
  if (it == runs_.end()) {
    if (!input.run) {
      *ok = false;
      return "no run '" + run_id + "' of dag '" + dag_id + "'";
    }
    // A finished run: the task's new state, and the run's state from its leaves.
    StoredRun stored = *input.run;
    auto ti = std::find_if(stored.task_instances.begin(), stored.task_instances.end(),
                           [&](const TaskInstanceRecord& r) { return r.task_id == task_id; });
    if (ti == stored.task_instances.end() || ti->state == TaskState::kRemoved) {
      *ok = false;
      return "dag '" + dag_id + "' has no task '" + task_id + "' in run '" + run_id + "'";
    }
    if (ti->state == *state) return task_id + " is already " + state_name;
    const TaskState from = ti->state;
    ti->state = *state;
    if (!ti->end) ti->end = now_;
    decision_.writes.events.push_back(
        TaskStateEvent(now_, *ti, from, "marked " + state_name + " by a user"));
    decision_.writes.task_instances.push_back(*ti);
    bool failed = false;
    for (const auto& r : stored.task_instances) {
      const int i = stored.graph->IndexOf(r.task_id);
      if (i < 0 || !stored.graph->is_leaf(static_cast<size_t>(i))) continue;
      failed = failed || r.state == TaskState::kFailed || r.state == TaskState::kUpstreamFailed;
    }
    const RunState run_state = failed ? RunState::kFailed : RunState::kSuccess;
    if (IsTerminal(stored.run.state) && stored.run.state != run_state) {
      const std::string from_run = RunStateName(stored.run.state);
      stored.run.state = run_state;
      decision_.writes.events.push_back(
          RunStateEvent(now_, stored.run, from_run, "a task was marked " + state_name));
      decision_.writes.runs.push_back(stored.run);
    }
    return "marked " + task_id + " " + state_name;
  }
  ActiveRun& run = *it->second;
  const int index = run.graph->IndexOf(task_id);
  if (index < 0) {
    *ok = false;
    return "dag '" + dag_id + "' has no task '" + task_id + "' in run '" + run_id + "'";
  }
  TaskInstanceRecord& ti = run.tasks[static_cast<size_t>(index)].rec;
  if (ti.state == *state) return task_id + " is already " + state_name;
  StopAttempts(dag_id, run_id, task_id);
  const std::string why = "marked " + state_name + " by a user";
  if (!IsTerminal(ti.state)) {
    FinishTask(run, index, *state, why);
  } else {
    // Ended already: the new state replaces the old one, and the counts of its downstream
    // tasks are taken again; those still waiting decide anew.
    SetTaskState(run, index, *state, why);
    for (int down : run.graph->downstream(static_cast<size_t>(index))) {
      RecountUpstream(run, static_cast<size_t>(down));
      Evaluate(run, down);
    }
    MaybeFinishRun(run);
  }
  return "marked " + task_id + " " + state_name;
}

}  // namespace sluice
