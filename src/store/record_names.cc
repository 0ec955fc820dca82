#include "store/record_names.h"

namespace sluice {

const char* AttemptStateName(AttemptState s) {
  switch (s) {
    case AttemptState::kRunning:
      return "running";
    case AttemptState::kSuccess:
      return "success";
    case AttemptState::kFailed:
      return "failed";
    case AttemptState::kSkipped:
      return "skipped";
  }
  return "unknown";  // unreachable for a valid enum value; -Wswitch flags a missing case
}

std::optional<AttemptState> ParseAttemptState(const std::string& name) {
  for (AttemptState s : {AttemptState::kRunning, AttemptState::kSuccess, AttemptState::kFailed,
                         AttemptState::kSkipped}) {
    if (name == AttemptStateName(s)) return s;
  }
  return std::nullopt;
}

}  // namespace sluice
