// Names of run and task-instance states as the CLI, the store and JSON output spell them.

#include "sluice/state.h"

#include <array>
#include <utility>

namespace sluice {
namespace {

// One table per enum so the name and the parser can never disagree.
constexpr std::array<std::pair<TaskState, const char*>, 11> kTaskStates = {{
    {TaskState::kNone, "none"},
    {TaskState::kScheduled, "scheduled"},
    {TaskState::kQueued, "queued"},
    {TaskState::kRunning, "running"},
    {TaskState::kSuccess, "success"},
    {TaskState::kFailed, "failed"},
    {TaskState::kUpForRetry, "up_for_retry"},
    {TaskState::kSkipped, "skipped"},
    {TaskState::kUpstreamFailed, "upstream_failed"},
    {TaskState::kDeferred, "deferred"},
    {TaskState::kRemoved, "removed"},
}};

constexpr std::array<std::pair<RunState, const char*>, 4> kRunStates = {{
    {RunState::kQueued, "queued"},
    {RunState::kRunning, "running"},
    {RunState::kSuccess, "success"},
    {RunState::kFailed, "failed"},
}};

constexpr std::array<std::pair<RunType, const char*>, 3> kRunTypes = {{
    {RunType::kScheduled, "scheduled"},
    {RunType::kManual, "manual"},
    {RunType::kBackfill, "backfill"},
}};

template <typename E, size_t N>
const char* NameOf(const std::array<std::pair<E, const char*>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";  // unreachable for a valid enum value
}

template <typename E, size_t N>
std::optional<E> Parse(const std::array<std::pair<E, const char*>, N>& table,
                       const std::string& name) {
  for (const auto& [v, n] : table) {
    if (name == n) return v;
  }
  return std::nullopt;
}

}  // namespace

const char* TaskStateName(TaskState s) { return NameOf(kTaskStates, s); }
const char* RunStateName(RunState s) { return NameOf(kRunStates, s); }
const char* RunTypeName(RunType t) { return NameOf(kRunTypes, t); }
std::optional<TaskState> ParseTaskState(const std::string& name) {
  return Parse(kTaskStates, name);
}
std::optional<RunState> ParseRunState(const std::string& name) { return Parse(kRunStates, name); }
std::optional<RunType> ParseRunType(const std::string& name) { return Parse(kRunTypes, name); }

bool IsTerminal(TaskState s) {
  switch (s) {
    case TaskState::kSuccess:
    case TaskState::kFailed:
    case TaskState::kSkipped:
    case TaskState::kUpstreamFailed:
    case TaskState::kRemoved:
      return true;
    default:
      return false;
  }
}

}  // namespace sluice
