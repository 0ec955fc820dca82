#pragma once
// When a failed delivery is tried again: after `first_delay`, doubling each time up to
// `max_delay`, until `give_up_after` has passed since the event; then it is given up (failed).

#include <chrono>
#include <optional>

#include "sluice/clock.h"

namespace sluice::notify {

struct BackoffPolicy {
  Duration first_delay = std::chrono::seconds(10);
  Duration max_delay = std::chrono::minutes(10);
  Duration give_up_after = std::chrono::hours(1);
};

// The time of the next try after `attempts` (>= 1) failed tries, the last one at `now`, of a
// delivery whose event happened at `created`; nullopt when that would be after
// created + give_up_after (give up).
std::optional<TimePoint> NextAttemptAt(const BackoffPolicy& policy, TimePoint created, int attempts,
                                       TimePoint now);

}  // namespace sluice::notify
