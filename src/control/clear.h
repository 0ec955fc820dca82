#pragma once
// sluice tasks clear: run a task again (and with `downstream`, everything downstream of it).

#include <string>

#include "control/command_queue.h"
#include "control/context.h"

namespace sluice::control {

// Resets the task (and its downstream) to state none with a fresh set of retries; a finished
// run goes back to queued. With a scheduler running it is queued for it and waited for (kind
// "clear", args {"dag": ID, "run": RUN_ID, "task": TASK_ID, "downstream": BOOL}; the scheduler
// stops cleared attempts that run) and its message is returned; with none, it is written to the
// store directly ("cleared 2 task(s): a, b; they run when a scheduler is running").
// Errors: kNotFound for an unknown run or task; those of RunCommand.
Result<std::string> Clear(const Context& ctx, const std::string& dag_id, const std::string& run_id,
                          const std::string& task_id, bool downstream,
                          const CommandWait& wait = {});

}  // namespace sluice::control
