// Commands from the CLI (later the API), carried out by the planner because the runs they
// touch may be in its hands: `trigger`, `pause` and `unpause` were already written to the store
// by the caller, and the planner brings its memory up to date; `clear` is decided here.
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
  // Its running attempts are stopped (after the commit); their ends are recorded for the
  // attempts only.
  for (int i : downstream ? graph->WithDownstream(index) : std::vector<int>{index}) {
    const std::string& id = graph->task(static_cast<size_t>(i)).id;
    for (auto& [key, attempt] : attempts_) {
      if (key.dag_id == dag_id && key.run_id == run_id && key.task_id == id) {
        attempt.orphaned = true;
        Kill(key);
      }
    }
  }
  // The run as it stands (memory is ahead of the store only by this decision, which commits
  // with the clear), cleared, then taken in again as if loaded.
  StoredRun stored;
  if (held) {
    stored.run = held->rec;
    stored.graph = held->graph;
    stored.previous = held->previous;
    for (const auto& slot : held->tasks) stored.task_instances.push_back(slot.rec);
    for (const auto& ti : held->removed) stored.task_instances.push_back(ti);
    ForgetReady({dag_id, run_id});
    if (held->rec.state == RunState::kRunning) --dags_[dag_id].running_runs;
    runs_.erase(it);
  } else {
    stored = *input.run;
  }
  std::vector<std::string> cleared;
  WriteBatch writes = ClearTaskInstances(*stored.graph, stored.run, stored.task_instances, task_id,
                                         downstream, now_, &cleared);
  for (auto& e : writes.events) decision_.writes.events.push_back(std::move(e));
  for (auto& ti : writes.task_instances) decision_.writes.task_instances.push_back(std::move(ti));
  for (auto& r : writes.runs) decision_.writes.runs.push_back(std::move(r));
  LoadRun(std::move(stored));
  ActiveRun& run = *runs_[{dag_id, run_id}];
  const DagEntry& dag = dags_[dag_id];
  if (dag.graph && dag.graph != run.graph) RebindRun(run, dag.graph);
  if (run.rec.state == RunState::kRunning) StartRun(run);
  AdmitRuns(dag_id);
  std::string list;
  for (const auto& id : cleared) list += (list.empty() ? "" : ", ") + id;
  return "cleared " + std::to_string(cleared.size()) + " task(s): " + list;
}

}  // namespace sluice
