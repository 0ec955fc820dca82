#pragma once
// sluice tasks clear and sluice runs clear: run tasks again (one task, with what is downstream
// and/or upstream of it, or a whole run, or only its failed tasks).

#include <string>

#include "control/command_queue.h"
#include "control/context.h"
#include "scheduler/run_builder.h"

namespace sluice::control {

// Resets the tasks `scope` names (run_builder.h: ClearScope) to state none with a fresh set of
// retries; a finished run goes back to queued. With a scheduler running it is queued for it and
// waited for (kind "clear", args {"dag": ID, "run": RUN_ID, "task": TASK_ID or "" for the whole
// run, "downstream": BOOL, and "upstream": true / "only_failed": true when set}; the scheduler
// stops cleared attempts that run) and its message is returned; with none, it is written to the
// store directly ("cleared 2 task(s): a, b; they run when a scheduler is running").
// Errors: kNotFound for an unknown run or task; kFailedPrecondition "run 'R' has no failed task
// to clear" (only_failed); those of RunCommand.
Result<std::string> Clear(const Context& ctx, const std::string& dag_id, const std::string& run_id,
                          const ClearScope& scope, const CommandWait& wait = {});

}  // namespace sluice::control
