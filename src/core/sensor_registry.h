#pragma once
// The sensor types this process knows: type name -> SensorType (include/sluice/sensor.h), filled
// by RegisterSensorType at start-up (the built-ins by RegisterBuiltinOperators) and read by the
// `sensor` kind when a DAG file is loaded (which types exist, their keys) and by the scheduler
// when it pokes a deferred sensor. Process-wide for the reasons the operator registry is
// (operator_registry.h).

#include <string>
#include <string_view>
#include <vector>

#include "sluice/sensor.h"

namespace sluice {

// The type registered as `name`, or nullptr. The pointer stays valid until the type is
// unregistered, which only tests do. Thread-safe.
const SensorType* FindSensorType(std::string_view name);

// The registered types' names in registration order. Thread-safe.
std::vector<std::string> SensorTypeNames();

// Forgets `name` (nothing if it is not registered). For tests, as UnregisterOperator.
void UnregisterSensorType(std::string_view name);

}  // namespace sluice
