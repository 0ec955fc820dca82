#include "scheduler/retry_policy.h"

#include <algorithm>
#include <cstdint>

namespace sluice {
namespace {

// FNV-1a: a stable, well-spread 64-bit value from the attempt's identity.
uint64_t Hash64(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

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
  const long double fraction = static_cast<long double>(Hash64(jitter_key) % 10001) / 10000.0L;
  const long double jittered = capped * (1.0L - 0.1L * fraction);
  return Duration(static_cast<Duration::rep>(jittered));
}

}  // namespace sluice
