// Schedule expressions (cron, presets, `every N`) from arbitrary bytes: parsing must return a
// Status, and fire times in a few zones must come back promptly, strictly increasing. Every
// expression that parses has words for the DAG list (schedule_words.h).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "time/fire_times.h"
#include "time/schedule_words.h"
#include "time/time_zone.h"
#include "util/check.h"

using sluice::TimePoint;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const char* const kZones[] = {"UTC", "America/New_York", "Australia/Lord_Howe",
                                       "Asia/Kolkata"};
  // 2025-03-08T12:00Z: a day before New York's spring-forward change.
  const TimePoint start{std::chrono::seconds(1741435200)};
  for (const char* name : kZones) {
    sluice::Result<sluice::TimeZone> zone = sluice::TimeZone::Find(name);
    SLUICE_CHECK(zone.ok(), "tzdata has the zones the fuzzer uses");
    auto fire = sluice::FireTimes::Create(text, *zone, start);
    if (!fire.ok()) {
      SLUICE_CHECK(!fire.status().message().empty(), "an error says what is wrong");
      return 0;
    }
    sluice::Result<std::string> words = sluice::ScheduleInWords(text);
    SLUICE_CHECK(words.ok() && !words->empty(), "an expression that parses has words");
    TimePoint t = start;
    for (int i = 0; i < 8; ++i) {
      std::optional<TimePoint> next = (*fire)->NextAfter(t);
      if (!next) break;
      SLUICE_CHECK(*next > t, "fire times strictly increase");
      t = *next;
    }
    std::optional<TimePoint> last = (*fire)->LastAtOrBefore(t);
    SLUICE_CHECK(!last || (*last <= t && *last >= start),
                 "the last fire time at or before t is within [start, t]");
  }
  return 0;
}
