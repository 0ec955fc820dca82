#include "scheduler/depends_on_past.h"

namespace sluice {

void ClosedRuns::Track(const std::string& dag_id, std::vector<RunOutcomes> runs,
                       std::optional<TimePoint> floor) {
  auto& kept = by_dag_[dag_id];
  for (auto& run : runs) {
    Key key{run.logical_date, run.run_id};
    kept[key] = std::move(run);
  }
  Prune(dag_id, floor);
}

void ClosedRuns::Add(const std::string& dag_id, RunOutcomes run, std::optional<TimePoint> floor) {
  auto it = by_dag_.find(dag_id);
  if (it == by_dag_.end()) return;
  Key key{run.logical_date, run.run_id};
  it->second[key] = std::move(run);
  Prune(dag_id, floor);
}

// Keeps every run after `floor` and the newest at or before it. No floor (a schedule that has
// made no run yet: its first may come from long ago) keeps all.
void ClosedRuns::Prune(const std::string& dag_id, std::optional<TimePoint> floor) {
  auto it = by_dag_.find(dag_id);
  if (it == by_dag_.end() || !floor) return;
  auto& kept = it->second;
  // TimePoint::max() (no schedule) keeps the newest only; max() + 1 would overflow.
  auto first_after =
      *floor == TimePoint::max() ? kept.end() : kept.lower_bound(Key{*floor + Duration(1), ""});
  if (first_after == kept.begin()) return;  // nothing at or before the floor
  kept.erase(kept.begin(), std::prev(first_after));
}

const RunOutcomes* ClosedRuns::NewestBefore(const std::string& dag_id, TimePoint before) const {
  auto it = by_dag_.find(dag_id);
  if (it == by_dag_.end()) return nullptr;
  auto after = it->second.lower_bound(Key{before, ""});
  if (after == it->second.begin()) return nullptr;
  return &std::prev(after)->second;
}

size_t ClosedRuns::Kept(const std::string& dag_id) const {
  auto it = by_dag_.find(dag_id);
  return it == by_dag_.end() ? 0 : it->second.size();
}

Explanation ExplainDependsOnPast(const std::string& task_id, const PastTask& past) {
  const std::string state = past.state ? TaskStateName(*past.state) : "none";
  return {"depends_on_past",
          "waits for " + task_id + " in the previous run " + past.run_id +
              " to end success or skipped (it is " + state + ")",
          {{"previous_run", past.run_id}, {"previous_state", state}}};
}

Explanation ExplainPastUnreadable(const std::string& dag_id) {
  return {"depends_on_past",
          "the earlier runs of dag " + dag_id +
              " could not be read from the store; the scheduler reads them again each turn",
          {{"previous_run", nullptr}, {"previous_state", nullptr}}};
}

}  // namespace sluice
