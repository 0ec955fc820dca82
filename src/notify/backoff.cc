#include "notify/backoff.h"

#include <algorithm>

namespace sluice::notify {

std::optional<TimePoint> NextAttemptAt(const BackoffPolicy& policy, TimePoint created, int attempts,
                                       TimePoint now) {
  Duration delay = policy.first_delay;
  // Doubling stops at the cap, so no shift overflows however many tries there were.
  for (int i = 1; i < attempts && delay < policy.max_delay; ++i) delay *= 2;
  delay = std::min(delay, policy.max_delay);
  const TimePoint next = now + delay;
  if (next > created + policy.give_up_after) return std::nullopt;
  return next;
}

}  // namespace sluice::notify
