#include "control/dag_list.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "control/dag_lookup.h"
#include "control/dag_version_cache.h"
#include "control/scheduler_lock.h"
#include "time/schedule_words.h"
#include "time/timetable.h"
#include "util/strings.h"

namespace sluice::control {
namespace {

// When the next scheduled run becomes due, as the scheduler would compute it.
std::optional<TimePoint> NextDue(const DagSpec& d, const DagRecord* rec, TimePoint now) {
  if (!d.schedule || !d.start || (rec && rec->paused)) return std::nullopt;
  auto tt = Timetable::Create(*d.schedule, d.timezone, *d.start, d.end);
  if (!tt.ok()) return std::nullopt;
  std::optional<RunWindow> next =
      rec && rec->last_scheduled ? tt->After(*rec->last_scheduled) : tt->First();
  if (!d.catchup) {
    auto latest = tt->LatestDue(now);
    if (latest && (!next || next->due < latest->due)) next = latest;
  }
  return next ? std::optional<TimePoint>(next->due) : std::nullopt;
}

std::vector<std::string> ErrorsOf(const DagRecord& rec) {
  try {
    return nlohmann::json::parse(rec.errors_json).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    return {rec.errors_json};
  }
}

// The DAG files of the folder now (names only: nothing is read). A folder that cannot be
// listed has none.
std::set<std::string> FolderFiles(const std::string& folder) {
  std::set<std::string> files;
  std::error_code ec;
  std::filesystem::directory_iterator it(folder, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (StartsWith(name, ".")) continue;
    if (EndsWith(name, ".yaml") || EndsWith(name, ".yml") || EndsWith(name, ".dag")) {
      files.insert(it->path().string());
    }
  }
  return files;
}

}  // namespace

std::string ScheduleText(const DagSpec& dag) {
  if (!dag.schedule) return "";
  return dag.schedule->mode == ScheduleMode::kTrigger ? dag.schedule->expr + " (trigger)"
                                                      : dag.schedule->expr;
}

std::string ScheduleWords(const DagSpec& dag) {
  if (!dag.schedule) return "";
  // A loaded DAG's expression has been checked; should one still fail, show it as written.
  Result<std::string> words = ScheduleInWords(dag.schedule->expr);
  return words.ok() ? *words : dag.schedule->expr;
}

Result<std::vector<DagListRow>> ListDags(const Context& ctx) {
  SLUICE_ASSIGN_OR_RETURN(auto records, ctx.store.ListDags());
  std::map<std::string, DagRecord> by_id;
  // file -> the live DAGs the store has from it (the scheduler's view)
  std::map<std::string, std::vector<std::string>> stored_by_file;
  for (auto& r : records) {
    by_id[r.dag_id] = r;
    if (!r.deleted && !r.hash.empty()) stored_by_file[r.file].push_back(r.dag_id);
  }
  const TimePoint now = ctx.clock.Now();

  std::vector<DagListRow> rows;
  auto add_row = [&](const DagSpec* d, const std::string& file,
                     const std::vector<std::string>& errors) {
    const DagRecord* rec = nullptr;
    if (d && by_id.count(d->id)) rec = &by_id[d->id];
    DagListRow row;
    if (d) row.dag = d->id;
    row.file = file;
    row.paused = rec && rec->paused;
    if (d && d->schedule) row.schedule = ScheduleText(*d);
    if (d) row.schedule_text = ScheduleWords(*d);
    if (d) row.next_due = NextDue(*d, rec, now);
    row.errors = errors;
    if (d) {
      row.description = d->description;
      row.owner = d->owner;
      row.tags = d->tags;
      row.timezone = d->timezone;
    }
    rows.push_back(std::move(row));
  };
  std::set<std::string> files = FolderFiles(ctx.config.dags_folder);
  for (const auto& [file, ids] : stored_by_file) files.insert(file);
  // Files no scheduler has loaded a DAG from are read now; an id two of them define is an
  // error on both, as the scheduler would say.
  std::map<std::string, LoadedFile> fresh;
  std::map<std::string, std::vector<std::string>> fresh_definers;  // id -> files
  // While a scheduler runs, generators are its to run: `list` never waits for one (the
  // scheduler logs a broken one; `dags validate` runs it).
  const bool run_generators = !SchedulerRunning(ctx.config);
  for (const auto& path : files) {
    if (stored_by_file.count(path)) continue;
    if (!run_generators && EndsWith(path, ".dag")) {
      LoadedFile pending;
      pending.path = path;
      fresh[path] = std::move(pending);
      continue;
    }
    std::vector<LoadedFile> loaded = LoadDagPaths({path});
    if (loaded.size() != 1) continue;  // a folder named like a DAG file
    for (const auto& d : loaded.front().dags) fresh_definers[d.id].push_back(path);
    fresh[path] = std::move(loaded.front());
  }
  for (const auto& path : files) {
    auto stored = stored_by_file.find(path);
    if (stored != stored_by_file.end()) {
      // As the scheduler last loaded them: the version it runs, and its file's errors (a
      // broken file's DAGs keep their last good version).
      for (const auto& id : stored->second) {
        const DagRecord& rec = by_id[id];
        SLUICE_ASSIGN_OR_RETURN(auto spec, CachedDagVersion(ctx.store, id, rec.hash));
        add_row(spec.get(), path, ErrorsOf(rec));
      }
      continue;
    }
    auto loaded = fresh.find(path);
    if (loaded == fresh.end()) continue;
    const LoadedFile& f = loaded->second;
    std::vector<std::string> errors;
    for (const auto& e : f.errors) errors.push_back(e.ToString());
    std::vector<const DagSpec*> own;
    for (size_t i = 0; i < f.dags.size(); ++i) {
      const DagSpec& d = f.dags[i];
      const SourceLocation at =
          i < f.id_locations.size() ? f.id_locations[i] : SourceLocation{path, 1, 1};
      std::vector<std::string> others;
      auto rec = by_id.find(d.id);
      if (rec != by_id.end() && !rec->second.deleted && !rec->second.hash.empty()) {
        others.push_back(rec->second.file);
      }
      for (const auto& g : fresh_definers[d.id]) {
        if (g != path) others.push_back(g);
      }
      // One id, one definition: a DAG defined elsewhere too is an error here.
      for (const auto& g : others) {
        errors.push_back(Diagnostic{at, "dag '" + d.id + "' is also defined in " + g}.ToString());
      }
      if (others.empty()) own.push_back(&d);
    }
    for (const DagSpec* d : own) add_row(d, path, errors);
    if (own.empty()) add_row(nullptr, path, errors);
  }
  return rows;
}

}  // namespace sluice::control
