#pragma once
// Records for a new run and for clearing tasks of an existing one. Shared by the scheduler and
// by CLI commands that change the store while no scheduler is running, so both do the same.

#include <string>
#include <vector>

#include "scheduler/dag_graph.h"
#include "sluice/store.h"

namespace sluice {

// "scheduled__2025-01-02T23:30:00Z", "manual__...", "backfill__...".
std::string MakeRunId(RunType type, TimePoint logical_date);

struct RunWindowInput {
  TimePoint logical_date;
  TimePoint data_interval_start;
  TimePoint data_interval_end;
};

// A queued run with one task instance (state none) per task, and their events.
WriteBatch BuildNewRun(const DagGraph& dag, RunType type, const RunWindowInput& window,
                       const std::string& params_json, TimePoint now);

// Adds `dag`'s version (its spec as JSON, under its hash) to `batch`, unless the store has it:
// a version is stored once, and serializing a DAG with thousands of edges takes milliseconds.
void AddDagVersionIfNew(Store& store, const DagSpec& dag, TimePoint now, WriteBatch* batch);

EventRecord TaskStateEvent(TimePoint now, const TaskInstanceRecord& ti, TaskState from,
                           const std::string& detail = "");
EventRecord RunStateEvent(TimePoint now, const RunRecord& run, const std::string& from,
                          const std::string& detail = "");

// What a clear resets: one task, with its downstream and/or upstream tasks (`tasks clear`), or
// with `task` empty the whole run (`runs clear`), only its failed and upstream_failed tasks when
// `only_failed`.
struct ClearScope {
  std::string task;  // empty: every task of the run
  bool downstream = false;
  bool upstream = false;
  bool only_failed = false;

  // As a scheduler command's arguments (command_args.h) carry it.
  bool operator==(const ClearScope&) const = default;
};

// The ids of the task instances among `tis` that `scope` resets, in the DAG's order. Errors:
// kNotFound "dag 'D' has no task 'T'"; kFailedPrecondition "run 'R' has no failed task to
// clear" when only_failed finds none.
Result<std::vector<std::string>> ClearTargets(const DagGraph& dag, const std::string& run_id,
                                              const std::vector<TaskInstanceRecord>& tis,
                                              const ClearScope& scope);

// Resets `targets` (ClearTargets) among `tis`, the task instances of `run`, to state none, so
// they run again; retries count afresh. A finished run goes back to queued. `run` and `tis` are
// updated in place; the returned writes record the same, as transitions from the states they
// had (a row moved meanwhile fails the commit). Running attempts must be stopped by the caller.
WriteBatch ClearTaskInstances(RunRecord& run, std::vector<TaskInstanceRecord>& tis,
                              const std::vector<std::string>& targets, TimePoint now);

// The detail of the events `runs cancel` writes; alert_events.h alerts no task for them.
inline constexpr const char* kCancelledByHand = "run cancelled by hand";

// `runs cancel` of a run no scheduler holds: every task instance that has not ended fails
// (kCancelledByHand) and the run ends failed. `run` and `tis` are updated in place; the writes
// go to the returned batch. The caller checks that no attempt of the run still runs.
WriteBatch CancelRunRecords(RunRecord& run, std::vector<TaskInstanceRecord>& tis, TimePoint now);

// Marks `task_id` among `tis`, the task instances of `run`, `state` (success or failed) by hand:
// its state, end time and an event ("marked by hand"); and, when every task of the run has then
// ended, the run's state by the leaf rule. `run` and `tis` are updated in place; the writes go
// to `batch`, as transitions from the states they had. The task must be among `tis` in another
// state. Returns the message for the user: "marked task 'T' of run 'R' S (was FROM)", with "; the
// run is now X" when the run changed.
std::string MarkTaskInstance(const DagGraph& dag, RunRecord& run,
                             std::vector<TaskInstanceRecord>& tis, const std::string& task_id,
                             TaskState state, TimePoint now, WriteBatch* batch);

// ClearTaskInstances on the run as `store` holds it, for a CLI command while no scheduler runs.
// `cleared` receives the task ids reset.
Result<WriteBatch> PlanClear(Store& store, const DagGraph& dag, const std::string& run_id,
                             const ClearScope& scope, TimePoint now,
                             std::vector<std::string>* cleared);

}  // namespace sluice
