// DAG files, schedules and commands: the inputs that create runs or change DAG state.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/dag_loader.h"
#include "scheduler/run_builder.h"
#include "scheduler/scheduler.h"

namespace sluice {
namespace {

void Append(WriteBatch& into, WriteBatch&& from) {
  auto move_all = [](auto& dst, auto& src) {
    dst.insert(dst.end(), std::make_move_iterator(src.begin()), std::make_move_iterator(src.end()));
  };
  move_all(into.dags, from.dags);
  move_all(into.set_paused, from.set_paused);
  move_all(into.dag_versions, from.dag_versions);
  move_all(into.runs, from.runs);
  move_all(into.task_instances, from.task_instances);
  move_all(into.attempts, from.attempts);
  move_all(into.events, from.events);
  move_all(into.finished_commands, from.finished_commands);
}

std::string ErrorsJson(const std::vector<std::string>& errors) {
  return nlohmann::json(errors).dump();
}

}  // namespace

void Scheduler::PollDagSource() {
  for (auto& change : source_.Poll()) {
    const std::string& path = change.path;
    std::vector<std::string> previous = file_dags_[path];
    std::vector<std::string> errors;
    for (const auto& d : change.loaded.errors) errors.push_back(d.ToString());
    std::vector<std::string> now_defined;
    if (!change.deleted && change.loaded.ok()) {
      for (const auto& spec : change.loaded.dags) {
        auto it = dags_.find(spec.id);
        if (it != dags_.end() && it->second.graph && !it->second.rec.deleted &&
            it->second.rec.file != path) {
          errors.push_back(path + ":1:1: error: dag '" + spec.id + "' is already defined in " +
                           it->second.rec.file);
          continue;
        }
        now_defined.push_back(spec.id);
      }
    }
    if (!errors.empty()) {
      for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    }
    if (change.deleted) {
      file_errors_.erase(path);
      file_dags_.erase(path);
    } else {
      file_errors_[path] = errors;
    }
    if (!change.deleted && !change.loaded.ok()) {
      // A broken file keeps its DAGs' last good versions running; the errors are recorded.
      for (const auto& id : previous) {
        dags_[id].rec.errors_json = ErrorsJson(errors);
        dirty_dags_.insert(id);
      }
      continue;
    }
    for (const auto& spec : change.loaded.dags) {
      if (std::find(now_defined.begin(), now_defined.end(), spec.id) != now_defined.end()) {
        ApplyDagVersion(spec, path);
      }
    }
    for (const auto& id : previous) {
      if (std::find(now_defined.begin(), now_defined.end(), id) != now_defined.end()) continue;
      auto& dag = dags_[id];
      if (dag.rec.file != path) continue;
      // Its file is gone (or no longer defines it): no new runs; open runs finish.
      dag.rec.deleted = true;
      dirty_dags_.insert(id);
      OnDagScheduleChanged(id);
    }
    if (!change.deleted) file_dags_[path] = now_defined;
  }
}

void Scheduler::ApplyDagVersion(const DagSpec& spec, const std::string& file) {
  DagEntry& dag = dags_[spec.id];
  const bool same = dag.graph && dag.graph->spec().hash == spec.hash && dag.rec.file == file &&
                    !dag.rec.deleted && dag.rec.errors_json == "[]";
  if (same) return;
  const TimePoint now = clock_.Now();
  DagGraphPtr graph;
  if (dag.graph && dag.graph->spec().hash == spec.hash) {
    graph = dag.graph;
  } else {
    auto built = DagGraph::Build(spec);
    if (!built.ok()) {
      std::fprintf(stderr, "%s:1:1: error: %s\n", file.c_str(), built.status().message().c_str());
      return;
    }
    graph = *built;
    versions_[spec.id + "@" + spec.hash] = graph;
    AddDagVersionIfNew(store_, spec, now, &batch_);
  }
  dag.graph = graph;
  dag.rec.dag_id = spec.id;
  dag.rec.file = file;
  dag.rec.hash = spec.hash;
  dag.rec.deleted = false;
  dag.rec.errors_json = "[]";
  dirty_dags_.insert(spec.id);
  // Open runs move to the new version: removed tasks end `removed`, new tasks join.
  for (auto it = runs_.lower_bound({spec.id, ""}); it != runs_.end() && it->first.first == spec.id;
       ++it) {
    if (it->second->graph != graph) RebindRun(*it->second, graph);
  }
  OnDagScheduleChanged(spec.id);
  AdmitRuns(spec.id);
}

void Scheduler::OnDagScheduleChanged(const std::string& dag_id) {
  DagEntry& dag = dags_[dag_id];
  if (dag.next_due) schedule_timers_.erase({*dag.next_due, dag_id});
  dag.next_due.reset();
  dag.next_logical.reset();
  ScheduleNextRun(dag, clock_.Now());
}

// Works out the next scheduled run of `dag` and sets its timer.
void Scheduler::ScheduleNextRun(DagEntry& dag, TimePoint now) {
  if (!options_.schedules_enabled || !dag.graph || dag.rec.paused || dag.rec.deleted) return;
  const Timetable* tt = dag.graph->timetable();
  if (!tt) return;
  std::optional<RunWindow> next =
      dag.rec.last_scheduled ? tt->After(*dag.rec.last_scheduled) : tt->First();
  if (!dag.graph->spec().catchup) {
    // catchup: false: when the DAG is first seen, unpaused or the scheduler was down, only the
    // latest due interval runs.
    auto latest = tt->LatestDue(now);
    if (latest && (!next || next->due < latest->due)) next = latest;
  }
  if (!next) return;
  dag.next_logical = next->logical_date;
  dag.next_due = next->due;
  schedule_timers_.insert({next->due, dag.rec.dag_id});
}

void Scheduler::CreateDueRuns(TimePoint now) {
  int created = 0;
  while (!schedule_timers_.empty() && schedule_timers_.begin()->first <= now &&
         created < options_.max_runs_created_per_turn) {
    const std::string dag_id = schedule_timers_.begin()->second;
    schedule_timers_.erase(schedule_timers_.begin());
    DagEntry& dag = dags_[dag_id];
    dag.next_due.reset();
    if (!dag.graph || !dag.next_logical) continue;
    const Timetable* tt = dag.graph->timetable();
    auto window = tt ? tt->After(*dag.next_logical - Duration(1)) : std::nullopt;
    if (!window || window->logical_date != *dag.next_logical) {
      // LatestDue/After disagree only if the schedule changed under us: recompute.
      ScheduleNextRun(dag, now);
      continue;
    }
    WriteBatch run_batch = BuildNewRun(
        *dag.graph, RunType::kScheduled,
        {window->logical_date, window->data_interval_start, window->data_interval_end}, "{}", now);
    RunRecord run = run_batch.runs.front();
    auto tis = run_batch.task_instances;
    if (runs_.count({dag_id, run.run_id}) == 0) {
      Append(batch_, std::move(run_batch));
      AddRun(std::move(run), std::move(tis), dag.graph);
    }
    dag.rec.last_scheduled = window->logical_date;
    dirty_dags_.insert(dag_id);
    ++created;
    ScheduleNextRun(dag, now);
    AdmitRuns(dag_id);
  }
}

Result<std::string> Scheduler::TriggerRun(const std::string& dag_id, const std::string& params_json,
                                          std::optional<TimePoint> logical_date) {
  auto it = dags_.find(dag_id);
  if (it == dags_.end() || !it->second.graph || it->second.rec.deleted) {
    return Status::NotFound("no dag '" + dag_id + "'");
  }
  const TimePoint now = clock_.Now();
  const TimePoint t = logical_date.value_or(now);
  WriteBatch run_batch =
      BuildNewRun(*it->second.graph, RunType::kManual, {t, t, t}, params_json, now);
  RunRecord run = run_batch.runs.front();
  if (runs_.count({dag_id, run.run_id})) {
    return Status::Precondition("run '" + run.run_id + "' already exists");
  }
  SLUICE_ASSIGN_OR_RETURN(auto existing, store_.GetRun(dag_id, run.run_id));
  if (existing) return Status::Precondition("run '" + run.run_id + "' already exists");
  auto tis = run_batch.task_instances;
  Append(batch_, std::move(run_batch));
  std::string run_id = run.run_id;
  AddRun(std::move(run), std::move(tis), it->second.graph);
  AdmitRuns(dag_id);
  SLUICE_RETURN_IF_ERROR(Flush());
  return run_id;
}

Result<RunState> Scheduler::GetRunState(const std::string& dag_id, const std::string& run_id) {
  auto it = runs_.find({dag_id, run_id});
  if (it != runs_.end()) return it->second->rec.state;
  SLUICE_ASSIGN_OR_RETURN(auto run, store_.GetRun(dag_id, run_id));
  if (!run) return Status::NotFound("no run '" + run_id + "' of dag '" + dag_id + "'");
  return run->state;
}

void Scheduler::PollCommands() {
  auto pending = store_.PendingCommands();
  if (!pending.ok()) {
    std::fprintf(stderr, "sluice: reading commands: %s\n", pending.status().message().c_str());
    return;
  }
  for (const auto& command : *pending) HandleCommand(command);
}

// Commands come from the CLI (later the API). `trigger`, `pause` and `unpause` were already
// written to the store by the caller; the scheduler brings its memory up to date. `clear` is
// carried out here, because the run may be in this scheduler's hands.
void Scheduler::HandleCommand(const CommandRecord& command) {
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
  if (command.kind == "trigger") {
    if (!runs_.count({dag_id, run_id})) {
      auto run = store_.GetRun(dag_id, run_id);
      if (run.ok() && *run && !IsTerminal((*run)->state)) {
        Status st = LoadRun(**run);
        if (st.ok()) {
          AdmitRuns(dag_id);
        } else {
          done.state = "failed";
          done.result = st.message();
        }
      }
    }
  } else if (command.kind == "pause" || command.kind == "unpause") {
    auto rec = store_.GetDag(dag_id);
    if (rec.ok() && *rec) {
      DagEntry& dag = dags_[dag_id];
      dag.rec.paused = (*rec)->paused;
      OnDagScheduleChanged(dag_id);
      AdmitRuns(dag_id);
    }
  } else if (command.kind == "clear") {
    const std::string task_id = str("task");
    const bool downstream = args.is_object() && args.value("downstream", false);
    auto result = ClearTasks(dag_id, run_id, task_id, downstream);
    if (result.ok()) {
      done.result = *result;
    } else {
      done.state = "failed";
      done.result = result.status().message();
    }
  } else {
    done.state = "failed";
    done.result = "unknown command '" + command.kind + "'";
  }
  batch_.finished_commands.push_back(std::move(done));
}

Result<std::string> Scheduler::ClearTasks(const std::string& dag_id, const std::string& run_id,
                                          const std::string& task_id, bool downstream) {
  // The store must hold exactly what memory holds before the clear rewrites the run there.
  SLUICE_RETURN_IF_ERROR(Flush());
  SLUICE_ASSIGN_OR_RETURN(auto stored, store_.GetRun(dag_id, run_id));
  if (!stored) return Status::NotFound("no run '" + run_id + "' of dag '" + dag_id + "'");
  SLUICE_ASSIGN_OR_RETURN(DagGraphPtr graph, GraphForVersion(dag_id, stored->dag_hash));
  const int index = graph->IndexOf(task_id);
  if (index < 0) return Status::NotFound("dag '" + dag_id + "' has no task '" + task_id + "'");
  for (int i : downstream ? graph->WithDownstream(index) : std::vector<int>{index}) {
    const std::string& id = graph->task(static_cast<size_t>(i)).id;
    for (auto& [key, attempt] : attempts_) {
      if (key.dag_id == dag_id && key.run_id == run_id && key.task_id == id) {
        attempt.orphaned = true;
        executor_.Kill(key);
      }
    }
  }
  std::vector<std::string> cleared;
  SLUICE_ASSIGN_OR_RETURN(WriteBatch batch, PlanClear(store_, *graph, run_id, task_id, downstream,
                                                      clock_.Now(), &cleared));
  SLUICE_RETURN_IF_ERROR(store_.Apply(batch));
  // Reload the run as the store now has it.
  auto it = runs_.find({dag_id, run_id});
  if (it != runs_.end()) {
    ForgetReady({dag_id, run_id});
    if (it->second->rec.state == RunState::kRunning) --dags_[dag_id].running_runs;
    runs_.erase(it);
  }
  SLUICE_ASSIGN_OR_RETURN(auto reloaded, store_.GetRun(dag_id, run_id));
  SLUICE_RETURN_IF_ERROR(LoadRun(*reloaded));
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
