#include "scheduler/duration_history.h"

#include <algorithm>

namespace sluice {

std::optional<Duration> MedianDuration(std::vector<Duration> durations) {
  if (durations.empty()) return std::nullopt;
  std::sort(durations.begin(), durations.end());
  const size_t mid = durations.size() / 2;
  if (durations.size() % 2 == 1) return durations[mid];
  return durations[mid - 1] + (durations[mid] - durations[mid - 1]) / 2;
}

void DurationHistory::Track(const std::string& dag_id, const std::string& task_id,
                            std::vector<Duration> newest_first) {
  if (newest_first.size() > kLongRunningHistory) newest_first.resize(kLongRunningHistory);
  newest_first_[{dag_id, task_id}] = std::deque<Duration>(newest_first.begin(), newest_first.end());
}

bool DurationHistory::Tracks(const std::string& dag_id, const std::string& task_id) const {
  return newest_first_.count({dag_id, task_id}) != 0;
}

void DurationHistory::Add(const std::string& dag_id, const std::string& task_id, Duration took) {
  auto it = newest_first_.find({dag_id, task_id});
  if (it == newest_first_.end()) return;
  it->second.push_front(took);
  if (it->second.size() > kLongRunningHistory) it->second.pop_back();
}

std::optional<LongRunningThreshold> DurationHistory::Threshold(const std::string& dag_id,
                                                               const TaskSpec& task) const {
  if (task.expected_duration)
    return LongRunningThreshold{*task.expected_duration, "expected_duration"};
  auto it = newest_first_.find({dag_id, task.id});
  if (it == newest_first_.end() || it->second.size() < kLongRunningMinHistory) return std::nullopt;
  const std::optional<Duration> median =
      MedianDuration(std::vector<Duration>(it->second.begin(), it->second.end()));
  return LongRunningThreshold{*median * kLongRunningMedianFactor,
                              std::to_string(kLongRunningMedianFactor) +
                                  "x the median of its last " + std::to_string(it->second.size()) +
                                  " successes"};
}

}  // namespace sluice
