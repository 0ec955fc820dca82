#pragma once
// sluice dags trigger: a manual run, now.

#include <string>
#include <vector>

#include "control/context.h"

namespace sluice::control {

struct TriggeredRun {
  std::string dag_id;
  std::string run_id;       // manual__<ISO-UTC of now>
  bool dag_paused = false;  // the run waits until the DAG is unpaused
};

// Finds `dag_id` in the folder, checks `params` (NAME=VALUE, see params.h), writes a queued
// manual run (logical date and data interval: now) with its task instances and the DAG's
// version, then queues a command for a running scheduler to load it (kind "trigger", args
// {"dag": ID, "run": RUN_ID}; not waited for). Errors: those of FindDag and ParamsJson.
Result<TriggeredRun> Trigger(const Context& ctx, const std::string& dag_id,
                             const std::vector<std::string>& params);

}  // namespace sluice::control
