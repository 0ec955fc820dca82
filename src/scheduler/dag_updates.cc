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
  OnDagFilesChanged({change}, stored_versions, now);
}

// Each file keeps its last good load (a broken file keeps its DAGs' last good versions running);
// then every DAG id those files define or defined is decided again: defined by one file, that
// file's version applies; by several, none does (the DAG keeps its last good version and each
// file gets an error naming the other); by none, the DAG is deleted. All changes of one poll are
// applied first, so a restart sees a duplicate whichever file comes first.
void Planner::OnDagFilesChanged(const std::vector<DagFileChange>& changes,
                                const std::set<std::string>& stored_versions, TimePoint now) {
  now_ = now;
  std::set<std::string> affected;
  std::set<std::string> touched_files;
  for (const auto& change : changes) {
    const std::string& path = change.path;
    touched_files.insert(path);
    auto old = files_.find(path);
    if (old != files_.end()) {
      for (const auto& spec : old->second.dags) affected.insert(spec->id);
    }
    // A DAG whose row still names this file (after a restart, before any good load of it).
    for (const auto& [id, dag] : dags_) {
      if (dag.rec.file == path && !dag.rec.deleted) affected.insert(id);
    }
    if (change.deleted) {
      if (old != files_.end()) {
        for (const auto& spec : old->second.dags) id_files_[spec->id].erase(path);
        files_.erase(old);
      }
      file_errors_.erase(path);
      continue;
    }
    FileDags& file = files_[path];
    file.errors.clear();
    for (const auto& d : change.loaded.errors) file.errors.push_back(d.ToString());
    if (!change.loaded.ok()) continue;  // keeps its last good load
    for (const auto& spec : file.dags) id_files_[spec->id].erase(path);
    file.dags.clear();
    for (const DagSpec& spec : change.loaded.dags) {
      file.dags.push_back(std::make_shared<const DagSpec>(spec));
    }
    file.id_locations = change.loaded.id_locations;
    file.id_locations.resize(file.dags.size(), SourceLocation{path, 1, 1});
    for (const auto& spec : file.dags) {
      id_files_[spec->id].insert(path);
      affected.insert(spec->id);
    }
  }
  // Duplicate-id errors, by file, for every file that defines an affected id.
  std::map<std::string, std::vector<std::string>> duplicates;
  for (const auto& id : affected) {
    const std::set<std::string>& definers = id_files_[id];
    for (const auto& f : definers) touched_files.insert(f);
    if (definers.size() < 2) continue;
    for (const auto& f : definers) {
      for (const auto& g : definers) {
        if (f == g) continue;
        const SourceLocation here = IdLocation(f, id);
        const SourceLocation there = IdLocation(g, id);
        duplicates[f].push_back(here.file + ":" + std::to_string(here.line) + ":" +
                                std::to_string(here.column) + ": error: dag '" + id +
                                "' is also defined in " + there.file + ":" +
                                std::to_string(there.line) + ":" + std::to_string(there.column));
      }
    }
  }
  // The other duplicates of the touched files stay as they were.
  for (const auto& f : touched_files) {
    auto file = files_.find(f);
    if (file == files_.end()) continue;
    for (const auto& spec : file->second.dags) {
      if (affected.count(spec->id) || id_files_[spec->id].size() < 2) continue;
      for (const auto& g : id_files_[spec->id]) {
        if (g == f) continue;
        const SourceLocation here = IdLocation(f, spec->id);
        const SourceLocation there = IdLocation(g, spec->id);
        duplicates[f].push_back(here.file + ":" + std::to_string(here.line) + ":" +
                                std::to_string(here.column) + ": error: dag '" + spec->id +
                                "' is also defined in " + there.file + ":" +
                                std::to_string(there.line) + ":" + std::to_string(there.column));
      }
    }
  }
  for (const auto& f : touched_files) {
    auto file = files_.find(f);
    if (file == files_.end()) continue;
    std::vector<std::string> errors = file->second.errors;
    for (const auto& e : duplicates[f]) errors.push_back(e);
    file_errors_[f] = std::move(errors);
  }
  for (const auto& id : affected) {
    std::set<std::string> definers = id_files_[id];
    auto entry = dags_.find(id);
    if (definers.empty()) {
      if (entry == dags_.end() || entry->second.rec.deleted) continue;
      const std::string& owner = entry->second.rec.file;
      auto file = files_.find(owner);
      if (file != files_.end() && !file->second.errors.empty()) {
        definers.insert(owner);  // its file is broken (since before a restart): it stays
      } else if (touched_files.count(owner) || file == files_.end()) {
        // Its file is gone (or no longer defines it): no new runs; open runs finish.
        entry->second.rec.deleted = true;
        dirty_dags_.insert(id);
        OnDagScheduleChanged(id);
        continue;
      } else {
        continue;
      }
    }
    if (definers.size() == 1) {
      const std::string& f = *definers.begin();
      const FileDags& file = files_[f];
      if (file.errors.empty()) {
        for (const auto& spec : file.dags) {
          if (spec->id == id) {
            ApplyDagVersion(spec, f, stored_versions.count(spec->id + "@" + spec->hash) > 0);
          }
        }
        continue;
      }
    }
    // Broken or defined twice: the last good version keeps running; its row shows why.
    std::vector<std::string> errors;
    for (const auto& f : definers) {
      for (const auto& e : file_errors_[f]) errors.push_back(e);
    }
    if (entry == dags_.end()) continue;  // never loaded: only its files' rows show it
    DagEntry& dag = entry->second;
    // After a restart its last good version is in the store only: the driver reads it.
    if (!dag.graph && !dag.rec.hash.empty() && !dag.rec.deleted) wanted_versions_.insert(id);
    const std::string json = ErrorsJson(errors);
    if (dag.rec.errors_json != json) {
      dag.rec.errors_json = json;
      // Only a DAG the store knows gets its errors written (a row needs a file and a version).
      if (!dag.rec.hash.empty()) dirty_dags_.insert(id);
    }
  }
}

std::vector<std::pair<std::string, std::string>> Planner::TakeWantedVersions() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& id : wanted_versions_) {
    auto it = dags_.find(id);
    if (it != dags_.end() && !it->second.graph) out.emplace_back(id, it->second.rec.hash);
  }
  wanted_versions_.clear();
  return out;
}

void Planner::RestoreLastGood(const std::string& dag_id, DagGraphPtr graph, TimePoint now) {
  now_ = now;
  auto it = dags_.find(dag_id);
  if (it == dags_.end() || it->second.graph || it->second.rec.deleted) return;
  it->second.graph = std::move(graph);
  OnDagScheduleChanged(dag_id);
  AdmitRuns(dag_id);
}

SourceLocation Planner::IdLocation(const std::string& file, const std::string& dag_id) const {
  auto it = files_.find(file);
  if (it != files_.end()) {
    for (size_t i = 0; i < it->second.dags.size(); ++i) {
      if (it->second.dags[i]->id == dag_id) return it->second.id_locations[i];
    }
  }
  return SourceLocation{file, 1, 1};
}

void Planner::ApplyDagVersion(const std::shared_ptr<const DagSpec>& shared_spec,
                              const std::string& file, bool stored) {
  const DagSpec& spec = *shared_spec;
  // Every id the store has was loaded at start (LoadDag): one not in memory is new.
  const bool created = dags_.count(spec.id) == 0;
  DagEntry& dag = dags_[spec.id];
  const bool same = dag.graph && dag.graph->spec().hash == spec.hash && dag.rec.file == file &&
                    !dag.rec.deleted && dag.rec.errors_json == "[]";
  if (same) return;
  DagGraphPtr graph;
  if (dag.graph && dag.graph->spec().hash == spec.hash) {
    graph = dag.graph;
  } else {
    auto built = DagGraph::Build(shared_spec);
    if (!built.ok()) {
      // The loader validated the schedule already; should the two disagree, the file's row
      // says so rather than the DAG silently keeping its old version.
      files_[file].errors.push_back(file + ":1:1: error: " + built.status().message());
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
  if (created && options_.dags_paused_on_create) {
    dag.rec.paused = true;
    decision_.writes.set_paused.emplace_back(spec.id, true);
    EventRecord e;
    e.time = now_;
    e.dag_id = spec.id;
    e.kind = "dag_paused";
    e.from = "active";
    e.to = "paused";
    e.detail = "new dag (dags_paused_on_create)";
    decision_.writes.events.push_back(e);
  }
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
