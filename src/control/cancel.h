#pragma once
// sluice runs cancel: stop a run that has not ended. Every task of it that has not ended fails
// (a running one is killed, no retry; the others never start, not even an all_done one) and
// the run ends failed. Its tasks alert no one; the run's failure alerts its DAG's on_failure.

#include <string>

#include "control/command_queue.h"
#include "control/context.h"

namespace sluice::control {

// With a scheduler running the cancel is queued for it and waited for (kind "cancel", args
// {"dag": ID, "run": RUN_ID}) and its message returned ("cancelled run 'R' of dag 'D': 3
// task(s) failed, 1 of them stopped while running"). With none, the store is written directly
// ("... failed; the run is failed"). Errors: kNotFound for an unknown run; kFailedPrecondition
// "run 'R' of dag 'D' has already ended (success): nothing to cancel", and, with no scheduler,
// when an attempt of the run still runs under its supervisor; those of RunCommand.
Result<std::string> CancelRun(const Context& ctx, const std::string& dag_id,
                              const std::string& run_id, const CommandWait& wait = {});

}  // namespace sluice::control
