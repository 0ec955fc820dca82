#include "sluice/clock.h"

namespace sluice {
namespace {

class RealtimeClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

}  // namespace

Clock& SystemClock() {
  static RealtimeClock clock;
  return clock;
}

}  // namespace sluice
