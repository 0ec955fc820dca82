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

const char* DeliveryStateName(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPending:
      return "pending";
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kFailed:
      return "failed";
  }
  return "unknown";  // unreachable for a valid enum value; -Wswitch flags a missing case
}

std::optional<DeliveryState> ParseDeliveryState(const std::string& name) {
  for (DeliveryState s :
       {DeliveryState::kPending, DeliveryState::kDelivered, DeliveryState::kFailed}) {
    if (name == DeliveryStateName(s)) return s;
  }
  return std::nullopt;
}

std::string TaskInstanceName(const std::string& dag_id, const std::string& run_id,
                             const std::string& task_id, std::optional<int> map_index) {
  std::string name = dag_id + "/" + run_id + "/" + task_id;
  if (map_index) name += "[" + std::to_string(*map_index) + "]";
  return name;
}

}  // namespace sluice
