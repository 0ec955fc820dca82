#include "scheduler/retry_policy.h"

#include <algorithm>
#include <cstdint>

#include "scheduler/explain_text.h"
#include "time/time_format.h"
#include "util/hash.h"

namespace sluice {

std::optional<Duration> RetryDelay(const TaskSpec& task, int attempt,
                                   const std::string& jitter_key) {
  if (attempt > task.retries) return std::nullopt;
  if (task.retry_backoff == RetryBackoff::kFixed) return task.retry_delay;
  // Doubling, capped before it can overflow: 2^40 times any sane delay is already years.
  const int doublings = std::clamp(attempt - 1, 0, 40);
  const long double raw = static_cast<long double>(task.retry_delay.count()) *
                          static_cast<long double>(1ull << doublings);
  long double capped = raw;
  if (task.max_retry_delay) {
    capped = std::min(capped, static_cast<long double>(task.max_retry_delay->count()));
  }
  // Jitter only shortens the delay, so max_retry_delay stays a true maximum.
  const long double fraction = static_cast<long double>(Fnv1a64(jitter_key) % 10001) / 10000.0L;
  const long double jittered = capped * (1.0L - 0.1L * fraction);
  return Duration(static_cast<Duration::rep>(jittered));
}

Explanation ExplainRetryWait(const TaskSpec& task, const TaskInstanceRecord& ti, TimePoint now) {
  const int retry = ti.try_number - ti.retry_base;  // the retry the next try is
  const TimePoint until = ti.next_try_at.value_or(now);
  return {"retry_wait",
          "try " + std::to_string(ti.try_number) + " failed; try " +
              std::to_string(ti.try_number + 1) + " (retry " + std::to_string(retry) + " of " +
              std::to_string(task.retries) + ") starts at " + FormatIsoUtc(until) + " (" +
              FromNow(until, now) + ")",
          {{"until", FormatIsoUtc(until)},
           {"next_try", ti.try_number + 1},
           {"retry", retry},
           {"retries", task.retries}}};
}

}  // namespace sluice
