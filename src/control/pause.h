#pragma once
// sluice dags pause | unpause: a paused DAG gets no scheduled runs, and its queued runs (manual
// ones too) wait until it is unpaused.

#include <string>

#include "control/context.h"

namespace sluice::control {

// Writes the DAG's paused flag (and a `dag_paused` event) to the store, recording the DAG from
// the folder first if the store does not know it yet; then queues a command for a running
// scheduler to take it into account (kind "pause" or "unpause", args {"dag": ID}; not waited
// for). Errors: kNotFound when the DAG is neither in the store nor in the folder.
Status SetPaused(const Context& ctx, const std::string& dag_id, bool paused);

}  // namespace sluice::control
