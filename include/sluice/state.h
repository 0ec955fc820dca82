#pragma once
// Run and task-instance states (DESIGN.md §2 "States") and their names as the CLI prints them.

#include <optional>
#include <string>

namespace sluice {

enum class TaskState {
  kNone,
  kScheduled,
  kQueued,
  kRunning,
  kSuccess,
  kFailed,
  kUpForRetry,
  kSkipped,
  kUpstreamFailed,
  kDeferred,
  kRemoved,
};

enum class RunState { kQueued, kRunning, kSuccess, kFailed };
enum class RunType { kScheduled, kManual, kBackfill };

const char* TaskStateName(TaskState s);  // "none", "up_for_retry", ...
const char* RunStateName(RunState s);    // "queued", ...
const char* RunTypeName(RunType t);      // "scheduled", "manual", "backfill"
std::optional<TaskState> ParseTaskState(const std::string& name);
std::optional<RunState> ParseRunState(const std::string& name);
std::optional<RunType> ParseRunType(const std::string& name);

// success, failed, skipped, upstream_failed, removed: nothing more will happen to it.
bool IsTerminal(TaskState s);
inline bool IsTerminal(RunState s) { return s == RunState::kSuccess || s == RunState::kFailed; }

}  // namespace sluice
