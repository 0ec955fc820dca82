// DAG files and schedules: new, changed, broken and deleted DAG versions, scheduled runs,
// manual runs.
#include <nlohmann/json.hpp>

#include "core/dag_json.h"
#include "scheduler/planner.h"
#include "scheduler/run_builder.h"

namespace sluice {
namespace {

// A new run's events. Its run and task-instance records are not taken from `from`: the planner
// writes them from memory (AddRun marks them), once per decision, as every record it changes.
void AppendEvents(WriteBatch& into, WriteBatch&& from) {
  into.events.insert(into.events.end(), std::make_move_iterator(from.events.begin()),
                     std::make_move_iterator(from.events.end()));
}

std::string ErrorsJson(const std::vector<std::string>& errors) {
  return nlohmann::json(errors).dump();
}

}  // namespace

void Planner::OnDagFileChanged(const DagFileChange& change,
                               const std::set<std::string>& stored_versions, TimePoint now) {
  now_ = now;
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
    return;
  }
  for (const auto& spec : change.loaded.dags) {
    if (std::find(now_defined.begin(), now_defined.end(), spec.id) != now_defined.end()) {
      ApplyDagVersion(spec, path, stored_versions.count(spec.id + "@" + spec.hash) > 0);
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

void Planner::ApplyDagVersion(const DagSpec& spec, const std::string& file, bool stored) {
  DagEntry& dag = dags_[spec.id];
  const bool same = dag.graph && dag.graph->spec().hash == spec.hash && dag.rec.file == file &&
                    !dag.rec.deleted && dag.rec.errors_json == "[]";
  if (same) return;
  DagGraphPtr graph;
  if (dag.graph && dag.graph->spec().hash == spec.hash) {
    graph = dag.graph;
  } else {
    auto built = DagGraph::Build(spec);
    if (!built.ok()) {
      // The loader validated the schedule already; should the two disagree, the file's row
      // says so rather than the DAG silently keeping its old version.
      file_errors_[file].push_back(file + ":1:1: error: " + built.status().message());
      return;
    }
    graph = *built;
    versions_[spec.id + "@" + spec.hash] = graph;
    // A version is stored once: serializing a DAG with thousands of edges takes milliseconds.
    if (!stored)
      decision_.writes.dag_versions.push_back({spec.id, spec.hash, DagToJson(spec), now_});
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

void Planner::OnDagScheduleChanged(const std::string& dag_id) {
  DagEntry& dag = dags_[dag_id];
  if (dag.next_due) timers_.erase({*dag.next_due, Timer{Timer::Kind::kSchedule, dag_id, "", ""}});
  dag.next_due.reset();
  dag.next_logical.reset();
  ScheduleNextRun(dag);
}

// Works out the next scheduled run of `dag` and sets its timer.
void Planner::ScheduleNextRun(DagEntry& dag) {
  if (!options_.schedules_enabled || !dag.graph || dag.rec.paused || dag.rec.deleted) return;
  const Timetable* tt = dag.graph->timetable();
  if (!tt) return;
  std::optional<RunWindow> next =
      dag.rec.last_scheduled ? tt->After(*dag.rec.last_scheduled) : tt->First();
  if (!dag.graph->spec().catchup) {
    // catchup: false: when the DAG is first seen, unpaused or the scheduler was down, only the
    // latest due interval runs.
    auto latest = tt->LatestDue(now_);
    if (latest && (!next || next->due < latest->due)) next = latest;
  }
  if (!next) return;
  dag.next_logical = next->logical_date;
  dag.next_due = next->due;
  AddTimer(next->due, Timer{Timer::Kind::kSchedule, dag.rec.dag_id, "", ""});
}

void Planner::CreateDueRun(const std::string& dag_id) {
  DagEntry& dag = dags_[dag_id];
  dag.next_due.reset();
  if (!dag.graph || !dag.next_logical) return;
  const Timetable* tt = dag.graph->timetable();
  auto window = tt ? tt->After(*dag.next_logical - Duration(1)) : std::nullopt;
  if (!window || window->logical_date != *dag.next_logical) {
    // LatestDue/After disagree only if the schedule changed under us: recompute.
    ScheduleNextRun(dag);
    return;
  }
  WriteBatch run_batch = BuildNewRun(
      *dag.graph, RunType::kScheduled,
      {window->logical_date, window->data_interval_start, window->data_interval_end}, "{}", now_);
  RunRecord run = run_batch.runs.front();
  auto tis = run_batch.task_instances;
  if (runs_.count({dag_id, run.run_id}) == 0) {
    AppendEvents(decision_.writes, std::move(run_batch));
    AddRun(std::move(run), std::move(tis), dag.graph, /*stored=*/false);
  }
  dag.rec.last_scheduled = window->logical_date;
  closed_.Prune(dag_id, ClosedRunsFloor(dag_id));
  dirty_dags_.insert(dag_id);
  ScheduleNextRun(dag);
  AdmitRuns(dag_id);
}

Result<std::string> Planner::Trigger(const std::string& dag_id, const std::string& params_json,
                                     std::optional<TimePoint> logical_date, TimePoint now,
                                     bool stored, std::optional<RunOutcomes> previous) {
  now_ = now;
  auto it = dags_.find(dag_id);
  if (it == dags_.end() || !it->second.graph || it->second.rec.deleted) {
    return Status::NotFound("no dag '" + dag_id + "'");
  }
  const TimePoint t = logical_date.value_or(now);
  WriteBatch run_batch =
      BuildNewRun(*it->second.graph, RunType::kManual, {t, t, t}, params_json, now);
  RunRecord run = run_batch.runs.front();
  if (runs_.count({dag_id, run.run_id}) || stored) {
    return Status::Precondition("run '" + run.run_id + "' already exists");
  }
  auto tis = run_batch.task_instances;
  AppendEvents(decision_.writes, std::move(run_batch));
  std::string run_id = run.run_id;
  ActiveRun* added = AddRun(std::move(run), std::move(tis), it->second.graph, /*stored=*/false);
  if (previous) added->previous = std::move(previous);
  AdmitRuns(dag_id);
  return run_id;
}

}  // namespace sluice
