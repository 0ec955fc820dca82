#pragma once
// Why a task instance is where it is (`sluice tasks why`, and `blocked_by` and `reason` in
// `sluice tasks list`): the rules that hold it, as the scheduler's planner would decide now,
// from a planner rebuilt from the store (scheduler/planner_view.h), so no scheduler is needed;
// or, for one that runs or has ended, what its attempt is doing or how it ended.

#include <optional>
#include <string>
#include <vector>

#include "control/context.h"
#include "scheduler/explanation.h"
#include "sluice/store.h"

namespace sluice::control {

struct TaskWhy {
  TaskInstanceRecord task;
  // Each rule holding it, in the order the scheduler asks them (the last, "scheduler", when no
  // scheduler runs on the home). Empty for a task that runs, has ended, or is ready.
  std::vector<Explanation> blocked_by;
  // One line, after "TASK is STATE: ": "held by trigger_rule", "try 2 since ...", "ended at
  // ...: exit code 1 (try 3)", "nothing holds it; ...".
  std::string summary;
};

// Why an attempt failed, from its recorded result: "exit code 1", "killed by signal 9
// (SIGKILL)", "timed out: killed by signal 15 (SIGTERM)", "killed by hand: ...", "lost: ...".
// Empty for an attempt that succeeded, was skipped or still runs.
std::string FailureReason(const AttemptRecord& attempt);

// Every task instance of `run` (the store's order) with what holds it. Errors: the store's.
Result<std::vector<TaskWhy>> WhyTasks(const Context& ctx, const RunRecord& run);

// One task of a run. Errors: kNotFound "no run 'R' of dag 'D'", "dag 'D' has no task 'T'".
Result<TaskWhy> WhyTask(const Context& ctx, const std::string& dag_id, const std::string& run_id,
                        const std::string& task_id);

}  // namespace sluice::control
