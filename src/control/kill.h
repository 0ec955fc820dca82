#pragma once
// sluice tasks kill: stop a running task instance.

#include <string>

#include "control/command_queue.h"
#include "control/context.h"

namespace sluice::control {

// Stops the task's running attempt. Only a scheduler runs tasks, so the command is queued for
// it and waited for (kind "kill", args {"dag": ID, "run": RUN_ID, "task": TASK_ID}): it kills
// the attempt's process group and the task ends failed, without a retry; its message is
// returned. Errors: kNotFound for an unknown run or task; kFailedPrecondition when no scheduler
// runs (nothing runs; an attempt left to its supervisor by a stopped scheduler is named) or
// when the scheduler finds the task not running; those of RunCommand.
Result<std::string> Kill(const Context& ctx, const std::string& dag_id, const std::string& run_id,
                         const std::string& task_id, const CommandWait& wait = {});

}  // namespace sluice::control
