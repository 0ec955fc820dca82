#include "control/dag_list.h"

#include <map>

#include "control/dag_lookup.h"
#include "time/timetable.h"

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

}  // namespace

std::string ScheduleText(const DagSpec& dag) {
  if (!dag.schedule) return "";
  return dag.schedule->mode == ScheduleMode::kTrigger ? dag.schedule->expr + " (trigger)"
                                                      : dag.schedule->expr;
}

Result<std::vector<DagListRow>> ListDags(const Context& ctx) {
  SLUICE_ASSIGN_OR_RETURN(auto records, ctx.store.ListDags());
  std::map<std::string, DagRecord> by_id;
  for (auto& r : records) by_id[r.dag_id] = r;
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
    if (d) row.next_due = NextDue(*d, rec, now);
    row.errors = errors;
    rows.push_back(std::move(row));
  };
  for (const auto& f : LoadDagsFolder(ctx.config)) {
    std::vector<std::string> errors;
    errors.reserve(f.errors.size());
    for (const auto& e : f.errors) errors.push_back(e.ToString());
    if (f.ok()) {
      for (const auto& d : f.dags) add_row(&d, f.path, errors);
      continue;
    }
    // A broken file keeps the rows of the DAGs it defined, from their last good version.
    bool any = false;
    for (const auto& [id, rec] : by_id) {
      if (rec.file != f.path || rec.deleted || rec.hash.empty()) continue;
      auto version = ctx.store.GetDagVersion(id, rec.hash);
      if (!version.ok() || !*version) continue;
      auto spec = DagFromJson((*version)->spec_json);
      if (!spec.ok()) continue;
      add_row(&*spec, f.path, errors);
      any = true;
    }
    if (!any) add_row(nullptr, f.path, errors);
  }
  return rows;
}

}  // namespace sluice::control
