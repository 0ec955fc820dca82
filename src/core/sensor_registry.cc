#include "core/sensor_registry.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "core/dag_parser.h"
#include "util/strings.h"

namespace sluice {
namespace {

// Registration order is kept: messages name the types in it. A handful of types: a scan.
struct Registry {
  std::shared_mutex mu;
  std::vector<std::pair<std::string, std::unique_ptr<const SensorType>>> types;
};

Registry& TheRegistry() {
  static Registry registry;  // built on first use, like the operator registry
  return registry;
}

bool IsTypeName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

Status RegisterSensorType(const std::string& name, std::unique_ptr<const SensorType> type) {
  if (!type) return Status::Invalid("sensor type '" + name + "' has no implementation");
  if (!IsTypeName(name)) {
    return Status::Invalid("invalid sensor type name '" + name +
                           "' (use [a-z][a-z0-9_]*, at most 64 characters)");
  }
  Registry& r = TheRegistry();
  std::unique_lock lock(r.mu);
  for (const auto& [existing, t] : r.types) {
    if (existing == name) {
      return Status::Precondition("sensor type '" + name + "' is already registered");
    }
  }
  r.types.emplace_back(name, std::move(type));
  return Status::Ok();
}

const SensorType* FindSensorType(std::string_view name) {
  Registry& r = TheRegistry();
  std::shared_lock lock(r.mu);
  for (const auto& [existing, type] : r.types) {
    if (existing == name) return type.get();
  }
  return nullptr;
}

std::vector<std::string> SensorTypeNames() {
  Registry& r = TheRegistry();
  std::shared_lock lock(r.mu);
  std::vector<std::string> names;
  for (const auto& [name, type] : r.types) names.push_back(name);
  return names;
}

void UnregisterSensorType(std::string_view name) {
  Registry& r = TheRegistry();
  std::unique_lock lock(r.mu);
  r.types.erase(std::remove_if(r.types.begin(), r.types.end(),
                               [&](const auto& entry) { return entry.first == name; }),
                r.types.end());
}

const std::vector<std::string>& CommonSensorKeys() {
  static const std::vector<std::string> kKeys = {"poke_every", "poke_backoff", "max_poke_every",
                                                 "soft_fail", "mode"};
  return kKeys;
}

std::string UnknownSensorKeyMessage(const std::string& key, const std::string& type,
                                    const std::vector<std::string>& type_keys) {
  std::vector<std::string> known = type_keys;
  known.insert(known.end(), CommonSensorKeys().begin(), CommonSensorKeys().end());
  known.insert(known.end(), CommonTaskKeys().begin(), CommonTaskKeys().end());
  if (!ClosestMatch(key, known).empty()) return UnknownKeyMessage(key, known);
  std::string takes;
  for (size_t i = 0; i < type_keys.size(); ++i) {
    takes += (i == 0 ? "" : i + 1 == type_keys.size() ? " or " : ", ") + type_keys[i];
  }
  return "unknown key '" + key + "' (sensor: " + type + " takes " + takes + ")";
}

}  // namespace sluice
