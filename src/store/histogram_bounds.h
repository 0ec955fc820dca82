#pragma once
// The check every backend makes of Store::AttemptDurations' bucket bounds, so that they refuse
// the same input with the same message.

#include <string>
#include <vector>

#include "sluice/store.h"

namespace sluice {

// Ok when `bounds` increase strictly; else kInvalidArgument naming the first bound out of order.
inline Status CheckHistogramBounds(const std::vector<Duration>& bounds) {
  for (size_t i = 1; i < bounds.size(); ++i) {
    if (bounds[i] <= bounds[i - 1]) {
      return Status::Invalid("attempt durations: bucket bound " + std::to_string(i + 1) + " (" +
                             std::to_string(bounds[i].count()) +
                             " us) is not above the one before it (" +
                             std::to_string(bounds[i - 1].count()) + " us)");
    }
  }
  return Status::Ok();
}

}  // namespace sluice
