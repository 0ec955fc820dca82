#pragma once
// The POSIX TZ rule at the end of a TZif zoneinfo file (RFC 8536 section 3.3, e.g.
// "EST5EDT,M3.2.0,M11.1.0"): how the zone's offset changes after the last transition the file
// lists. Debian's files list transitions up to 2037 and date/tz ignores the rule, so without it
// every zone would keep its 2037 offset for ever.

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "sluice/clock.h"
#include "sluice/status.h"

namespace sluice {

struct PosixTzRule {
  // A day of the year, in one of the three POSIX forms.
  struct Day {
    enum Kind { kJulian, kZeroBased, kMonthWeekDay };
    Kind kind = kMonthWeekDay;
    int number = 0;   // kJulian: 1-365, February 29 never counted; kZeroBased: 0-365
    int month = 0;    // kMonthWeekDay: 1-12
    int week = 0;     // 1-5, 5 meaning the last such weekday of the month
    int weekday = 0;  // 0 Sunday - 6 Saturday
  };
  struct Change {
    Day day;
    std::chrono::seconds time{7200};  // local wall time of the change, -167h to 167h
  };
  std::chrono::seconds std_offset{0};  // UTC offset of standard time, east positive
  bool has_dst = false;
  std::chrono::seconds dst_offset{0};
  Change dst_start;  // in standard time
  Change dst_end;    // in daylight time
};

// Parses the rule text (the footer line without its newlines). An empty text is a zone without
// a rule. Errors name the text: `bad POSIX TZ rule "EST5EDT,M13.1.0": month 13`.
Result<PosixTzRule> ParsePosixTzRule(std::string_view text);

// The rule's changes in `year`, in order: the instant and the UTC offset from then on. Empty for
// a rule without daylight time.
struct OffsetChange {
  TimePoint at;
  std::chrono::seconds offset;
};
std::vector<OffsetChange> ChangesInYear(const PosixTzRule& rule, int year);
// The same for every year from `first_year` to `last_year`, in order across the years.
std::vector<OffsetChange> ChangesInYears(const PosixTzRule& rule, int first_year, int last_year);

}  // namespace sluice
