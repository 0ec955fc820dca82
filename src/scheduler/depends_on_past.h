#pragma once
// depends_on_past (DESIGN.md §2): a task instance starts only when the same task ended success
// or skipped in its DAG's previous run (the run with the newest earlier logical date), or was
// not in that run, or there is no previous run. The previous run is read from memory: open runs
// are the planner's, closed ones are kept here, so the rule never lists a DAG's history.

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "scheduler/explanation.h"
#include "sluice/clock.h"
#include "sluice/state.h"

namespace sluice {

// How a run's task instances ended, by task id.
struct RunOutcomes {
  std::string run_id;
  TimePoint logical_date;
  std::unordered_map<std::string, TaskState> states;
};

// `state`: the task's state in the previous run; none when there is no previous run or the task
// was not in it.
inline bool PastAllows(std::optional<TaskState> state) {
  return !state || *state == TaskState::kSuccess || *state == TaskState::kSkipped;
}

// The task in its DAG's previous run: that run's id, and the task's state there (none when the
// task was not in it).
struct PastTask {
  std::string run_id;
  std::optional<TaskState> state;
};

// Why depends_on_past holds `task_id` (PastAllows said no): its state in the previous run.
Explanation ExplainDependsOnPast(const std::string& task_id, const PastTask& past);
// Why it holds every depends_on_past task of `dag_id`: its earlier runs could not be read.
Explanation ExplainPastUnreadable(const std::string& dag_id);

// The closed runs that depends_on_past may still ask about, for the DAGs that have such a task.
// A run created from now on has a logical date after its DAG's newest scheduled one (`floor`),
// or is a manual run at the current time; so of the closed runs at or before the floor only the
// newest is kept. A run loaded from the store with an older date brings its own previous run.
class ClosedRuns {
 public:
  // Starts keeping `dag_id`'s closed runs, from `runs` (as the store has them, any order).
  // Until then Add() ignores the DAG, so DAGs without depends_on_past cost nothing.
  void Track(const std::string& dag_id, std::vector<RunOutcomes> runs,
             std::optional<TimePoint> floor);
  bool Tracks(const std::string& dag_id) const { return by_dag_.count(dag_id) > 0; }
  // Forgets `dag_id`'s runs: its floor moved down (it gained a schedule), so runs it pruned may
  // be needed again and must be read afresh.
  void Untrack(const std::string& dag_id) { by_dag_.erase(dag_id); }
  // A run of `dag_id` closed (again, if it was cleared: it replaces the old entry).
  void Add(const std::string& dag_id, RunOutcomes run, std::optional<TimePoint> floor);
  // Drops what no future run can need once `floor` (the newest scheduled logical date) moved.
  void Prune(const std::string& dag_id, std::optional<TimePoint> floor);
  // The closed run of `dag_id` with the newest logical date before `before`, or null.
  const RunOutcomes* NewestBefore(const std::string& dag_id, TimePoint before) const;
  // How many runs are kept for `dag_id` (tests).
  size_t Kept(const std::string& dag_id) const;

 private:
  // By logical date, then run id (a manual and a scheduled run may share a logical date; the
  // newer run id counts as the later run, as the store orders them).
  using Key = std::pair<TimePoint, std::string>;
  std::unordered_map<std::string, std::map<Key, RunOutcomes>> by_dag_;
};

}  // namespace sluice
