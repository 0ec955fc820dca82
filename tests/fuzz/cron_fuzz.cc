// Schedule expressions (cron, presets, `every N`) from arbitrary bytes: parsing must return a
// Status, and fire times in a few zones must come back promptly, strictly increasing.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "time/fire_times.h"
#include "time/time_zone.h"

namespace {

using sluice::TimePoint;

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const char* const kZones[] = {"UTC", "America/New_York", "Australia/Lord_Howe",
                                       "Asia/Kolkata"};
  // 2025-03-08T12:00Z: a day before New York's spring-forward change.
  const TimePoint start{std::chrono::seconds(1741435200)};
  for (const char* name : kZones) {
    sluice::Result<sluice::TimeZone> zone = sluice::TimeZone::Find(name);
    Check(zone.ok());
    auto fire = sluice::FireTimes::Create(text, *zone, start);
    if (!fire.ok()) {
      Check(!fire.status().message().empty());
      return 0;
    }
    TimePoint t = start;
    for (int i = 0; i < 8; ++i) {
      std::optional<TimePoint> next = (*fire)->NextAfter(t);
      if (!next) break;
      Check(*next > t);
      t = *next;
    }
    std::optional<TimePoint> last = (*fire)->LastAtOrBefore(t);
    Check(!last || (*last <= t && *last >= start));
  }
  return 0;
}
