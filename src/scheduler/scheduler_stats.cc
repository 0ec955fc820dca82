#include "scheduler/scheduler_stats.h"

#include <algorithm>

namespace sluice {

void SchedulerStats::RecordTurn(Duration latency, const SchedulerFigures& figures) {
  latency = std::max(latency, Duration::zero());
  // The first bucket that holds it; every later one holds it too (cumulative), so the loop
  // adds from there. 16 increments under the lock cost less than a second pass at each read.
  const auto* first =
      std::lower_bound(kTurnLatencyBounds.begin(), kTurnLatencyBounds.end(), latency);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto i = static_cast<size_t>(first - kTurnLatencyBounds.begin());
       i < kTurnLatencyBounds.size(); ++i) {
    ++current_.turn_latency_cumulative[i];
  }
  ++current_.turns;
  current_.turn_latency_sum += latency;
  current_.figures = figures;
}

void SchedulerStats::Publish(const SchedulerFigures& figures) {
  std::lock_guard<std::mutex> lock(mu_);
  current_.figures = figures;
}

SchedulerStats::Snapshot SchedulerStats::Read() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

}  // namespace sluice
