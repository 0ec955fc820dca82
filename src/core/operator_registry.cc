#include "core/operator_registry.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "core/dag_parser.h"

namespace sluice {
namespace {

// Registration order is kept: it is the order in which messages name the kinds. A handful of
// kinds: a scan is as fast as any map.
struct Registry {
  std::shared_mutex mu;
  std::vector<std::pair<std::string, std::unique_ptr<const Operator>>> kinds;
};

Registry& TheRegistry() {
  // Built on first use, so no other static's initialization can find it unbuilt.
  static Registry registry;
  return registry;
}

bool IsKindName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

Status RegisterOperator(const std::string& kind, std::unique_ptr<const Operator> op) {
  if (!op) return Status::Invalid("task kind '" + kind + "' has no operator");
  if (!IsKindName(kind)) {
    return Status::Invalid("invalid task kind name '" + kind +
                           "' (use [a-z][a-z0-9_]*, at most 64 characters)");
  }
  const auto& common = CommonTaskKeys();
  // A task's canonical JSON (dag_json.cc) holds its config under the kind's name, beside these.
  static const char* const kJsonFields[] = {"id", "kind", "location"};
  if (std::find(common.begin(), common.end(), kind) != common.end() ||
      std::find(std::begin(kJsonFields), std::end(kJsonFields), kind) != std::end(kJsonFields)) {
    return Status::Invalid("task kind name '" + kind + "' is taken by a task key");
  }
  Registry& r = TheRegistry();
  std::unique_lock lock(r.mu);
  for (const auto& [name, existing] : r.kinds) {
    if (name == kind) return Status::Precondition("task kind '" + kind + "' is already registered");
  }
  r.kinds.emplace_back(kind, std::move(op));
  return Status::Ok();
}

const Operator* FindOperator(std::string_view kind) {
  Registry& r = TheRegistry();
  std::shared_lock lock(r.mu);
  for (const auto& [name, op] : r.kinds) {
    if (name == kind) return op.get();
  }
  return nullptr;
}

std::vector<std::string> OperatorKinds() {
  Registry& r = TheRegistry();
  std::shared_lock lock(r.mu);
  std::vector<std::string> names;
  for (const auto& [name, op] : r.kinds) names.push_back(name);
  return names;
}

void UnregisterOperator(std::string_view kind) {
  Registry& r = TheRegistry();
  std::unique_lock lock(r.mu);
  r.kinds.erase(std::remove_if(r.kinds.begin(), r.kinds.end(),
                               [&](const auto& entry) { return entry.first == kind; }),
                r.kinds.end());
}

std::string QuotedKinds() {
  std::vector<std::string> kinds = OperatorKinds();
  std::string out;
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (i > 0) out += i + 1 == kinds.size() ? " or " : ", ";
    out += "'" + kinds[i] + "'";
  }
  return out;
}

}  // namespace sluice
