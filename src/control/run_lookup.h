#pragma once
// Finding a run, its DAG version and its task instances in the store.

#include <string>

#include "scheduler/dag_graph.h"
#include "sluice/store.h"

namespace sluice::control {

// The stored run. Errors: kNotFound "no dag 'D'" when the store has never seen the DAG, "no run
// 'R' of dag 'D'" otherwise, each with "; did you mean 'X'?" when X is a likely typo of it.
Result<RunRecord> FindRun(Store& store, const std::string& dag_id, const std::string& run_id);

// The graph of the DAG version `run` uses. Errors: kInternal when that version is missing.
Result<DagGraphPtr> RunGraph(Store& store, const RunRecord& run);

// The run's instance of `task_id`. Errors: kNotFound "dag 'D' has no task 'T'" when the run's
// DAG version has no such task.
Result<TaskInstanceRecord> FindTaskInstance(Store& store, const RunRecord& run,
                                            const std::string& task_id);

// The attempt of a task to read the log of: try `try_number`, or the last when it is 0.
// Errors: kNotFound "task 'T' of run 'R' has no attempts yet" or "task 'T' has no try N
// (tries: 1-M)".
Result<AttemptRecord> FindAttempt(Store& store, const RunRecord& run, const std::string& task_id,
                                  int try_number);

}  // namespace sluice::control
