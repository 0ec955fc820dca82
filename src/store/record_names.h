#pragma once
// Names of store-level enums as they are written to the database, and their inverses. The
// task and run state names live with the states (sluice/state.h).

#include <optional>
#include <string>

#include "sluice/store.h"

namespace sluice {

// "running", "success", "failed", "skipped"; nullopt for any other text.
std::optional<AttemptState> ParseAttemptState(const std::string& name);

}  // namespace sluice
