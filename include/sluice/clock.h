#pragma once
// Time as Sluice sees it: instants are UTC microseconds since the epoch. Every component that
// needs "now" takes a Clock&, so tests drive a simulated clock and never sleep.

#include <chrono>

namespace sluice {

using Duration = std::chrono::microseconds;
using TimePoint = std::chrono::sys_time<Duration>;

class Clock {
 public:
  virtual ~Clock() = default;
  // The current instant. Thread-safe for every implementation.
  virtual TimePoint Now() const = 0;
};

// The process-wide wall clock (CLOCK_REALTIME). Never null, lives forever.
Clock& SystemClock();

}  // namespace sluice
