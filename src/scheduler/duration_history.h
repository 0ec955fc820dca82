#pragma once
// The long_running rule (issue 14): how long an attempt of a task may run before it alerts the
// task's and its DAG's `on_long_running` notifiers. The task's `expected_duration` when set;
// else 3x the median duration of its last 10 successful attempts, once it has at least 5; else
// none (the attempt is not watched). Pure and in memory: the driver reads each watched task's
// recent successes once (Store::RecentSuccesses) and the planner adds each success after that,
// so no attempt costs a store read.
//
// Threading: not thread-safe; the planner's thread uses it.

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sluice/clock.h"
#include "sluice/dag.h"

namespace sluice {

inline constexpr size_t kLongRunningHistory = 10;    // successes the median is taken over
inline constexpr size_t kLongRunningMinHistory = 5;  // fewer: no threshold from history
inline constexpr int kLongRunningMedianFactor = 3;

// A threshold and where it came from, for the alert's text.
struct LongRunningThreshold {
  Duration limit{};
  std::string basis;  // "expected_duration" or "3x the median of the last N successes"
};

// The median of `durations` (the mean of the middle two for an even count); none when empty.
std::optional<Duration> MedianDuration(std::vector<Duration> durations);

class DurationHistory {
 public:
  // Starts keeping `task_id`'s successes, given its newest first (at most kLongRunningHistory
  // are kept). Replaces what was kept for it.
  void Track(const std::string& dag_id, const std::string& task_id,
             std::vector<Duration> newest_first);
  bool Tracks(const std::string& dag_id, const std::string& task_id) const;
  // A success of a tracked task; ignored for a task not tracked.
  void Add(const std::string& dag_id, const std::string& task_id, Duration took);
  // The rule above for `task` of `dag_id`.
  std::optional<LongRunningThreshold> Threshold(const std::string& dag_id,
                                                const TaskSpec& task) const;

 private:
  std::map<std::pair<std::string, std::string>, std::deque<Duration>> newest_first_;
};

}  // namespace sluice
