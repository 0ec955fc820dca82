#pragma once
// A parsed 5-field cron expression with Vixie cron semantics (DESIGN.md §2 "Schedules"):
// `*`, lists, ranges, steps (`*/15`, `1-10/3`, `5/10` = `5-MAX/10`), month and weekday names
// (case-insensitive), 0 and 7 both Sunday. A day matches both day fields when either of them
// begins with `*`, otherwise either field.

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/clock.h"
#include "sluice/status.h"
#include "time/time_zone.h"

namespace sluice {

class CronExpression {
 public:
  // Errors name the field and the problem after the prefix
  // "invalid cron expression '<expr>': ", e.g. "minute 61 is out of range 0-59",
  // "expected 5 fields, got 4", "unknown name 'foo' in day-of-week", and "it never fires (...)"
  // for one that no date matches (`0 0 31 2 *`; `0 0 29 2 *` fires in leap years).
  static Result<CronExpression> Parse(std::string_view expr);

  // The first fire time strictly after `after`, with wall times read in `zone`. DST: a
  // fixed-time expression (neither minute nor hour begins with `*`) fires once per matching
  // wall time: at the first instant after a spring-forward gap, at the first occurrence of a
  // repeated wall time. Any other expression fires at every real instant whose wall time
  // matches. None if it does not fire within 400 years (the Gregorian calendar's cycle); Parse
  // refuses an expression that never fires, so that is only after `after` is near year 9999.
  std::optional<TimePoint> NextAfter(TimePoint after, const TimeZone& zone) const;

  bool fixed_time() const { return fixed_time_; }
  const std::string& text() const { return text_; }

  // The fields as parsed, for saying the expression in words (schedule_words.h).
  const std::bitset<60>& minute_set() const { return minutes_; }
  const std::bitset<24>& hour_set() const { return hours_; }
  const std::bitset<32>& day_of_month_set() const { return days_of_month_; }
  const std::bitset<13>& month_set() const { return months_; }
  const std::bitset<7>& day_of_week_set() const { return days_of_week_; }
  // Whether the day fields match together (either begins with `*`) or either one alone.
  bool days_match_together() const { return dom_star_ || dow_star_; }

 private:
  CronExpression() = default;
  friend class CronParser;

  bool DayMatches(int day_of_month, int day_of_week) const;
  // Whether some date matches the day fields and the month (then some minute does too).
  bool FiresOnSomeDay() const;
  // The first matching wall minute in [from, limit), or none. Wall times are counted in
  // minutes since 1970-01-01T00:00 local: cron names whole minutes.
  std::optional<std::chrono::minutes> NextLocalMatch(std::chrono::minutes from,
                                                     std::chrono::minutes limit) const;
  std::optional<TimePoint> NextFixedTime(TimePoint after, const TimeZone& zone) const;
  std::optional<TimePoint> NextEveryInstant(TimePoint after, const TimeZone& zone) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // bits 1..31
  std::bitset<13> months_;         // bits 1..12
  std::bitset<7> days_of_week_;    // 0 = Sunday
  bool dom_star_ = false;          // day-of-month field begins with `*`
  bool dow_star_ = false;          // day-of-week field begins with `*`
  bool fixed_time_ = false;
};

}  // namespace sluice
