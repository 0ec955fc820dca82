#pragma once
// Names of store-level enums as they are written to the database, and their inverses (the task
// and run state names live with the states, sluice/state.h); how every backend's messages name
// a task instance.

#include <optional>
#include <string>

#include "sluice/store.h"

namespace sluice {

// "running", "success", "failed", "skipped"; nullopt for any other text.
std::optional<AttemptState> ParseAttemptState(const std::string& name);

// How messages name a task instance: "dag/run/task", or "dag/run/task[2]" for a mapped one.
std::string TaskInstanceName(const std::string& dag_id, const std::string& run_id,
                             const std::string& task_id, std::optional<int> map_index);
inline std::string TaskInstanceName(const TaskInstanceRecord& t) {
  return TaskInstanceName(t.dag_id, t.run_id, t.task_id, t.map_index);
}

}  // namespace sluice
