#pragma once
// sluice tasks mark: set a task instance's state to success or failed by hand, e.g. to let a run
// go on past a task whose work was done another way.

#include <string>

#include "control/command_queue.h"
#include "control/context.h"

namespace sluice::control {

// Marks the task `state` (success or failed). Only that task changes: what follows it runs or
// not by its trigger rule, as if the task had ended so (tasks already decided stay so; clear
// them to run them again). With a scheduler running it is queued for it and waited for (kind
// "mark", args {"dag": ID, "run": RUN_ID, "task": TASK_ID, "state": "success"|"failed"}; the
// scheduler stops the task's attempt if one runs) and its message is returned. With none, the
// store is written directly: the task's state, end time and a task_state event ("marked by
// hand"); and when every task of the run has then ended, the run's state by the leaf rule.
// Errors: kInvalidArgument for another state; kNotFound for an unknown run or task;
// kFailedPrecondition when, with no scheduler, the task's attempt is still running under its
// supervisor (a scheduler adopts it when started); those of RunCommand.
Result<std::string> Mark(const Context& ctx, const std::string& dag_id, const std::string& run_id,
                         const std::string& task_id, TaskState state, const CommandWait& wait = {});

}  // namespace sluice::control
