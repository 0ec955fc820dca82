#include "time/posix_tz_rule.h"

#include <date/date.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace sluice {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// A cursor over the rule text; every Read* reports what it expected at the failing position.
class RuleReader {
 public:
  explicit RuleReader(std::string_view text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  bool Eat(char c) {
    if (done() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  char Peek() const { return done() ? '\0' : text_[pos_]; }

  // A zone abbreviation: three or more letters, or <anything but '>'> (e.g. "<+0330>").
  Status ReadName() {
    if (Eat('<')) {
      const size_t close = text_.find('>', pos_);
      if (close == std::string_view::npos || close == pos_) return Error("a name in <...>");
      pos_ = close + 1;
      return Status::Ok();
    }
    const size_t start = pos_;
    while (!done() && std::isalpha(static_cast<unsigned char>(text_[pos_])) != 0) ++pos_;
    if (pos_ - start < 3) return Error("a zone name of three or more letters");
    return Status::Ok();
  }

  // [+-]hh[:mm[:ss]] with hh at most `max_hours`.
  Result<seconds> ReadHms(int max_hours, const char* what) {
    int sign = 1;
    if (Eat('-')) {
      sign = -1;
    } else {
      Eat('+');
    }
    SLUICE_ASSIGN_OR_RETURN(int h, ReadNumber(what));
    if (h > max_hours)
      return Error(std::string(what) + " of at most " + std::to_string(max_hours) + " hours");
    seconds total = hours(h);
    if (Eat(':')) {
      SLUICE_ASSIGN_OR_RETURN(int m, ReadNumber("minutes"));
      if (m > 59) return Error("minutes of at most 59");
      total += minutes(m);
      if (Eat(':')) {
        SLUICE_ASSIGN_OR_RETURN(int s, ReadNumber("seconds"));
        if (s > 59) return Error("seconds of at most 59");
        total += seconds(s);
      }
    }
    return sign * total;
  }

  Result<int> ReadNumber(const char* what) {
    const size_t start = pos_;
    int value = 0;
    while (!done() && std::isdigit(static_cast<unsigned char>(text_[pos_])) != 0 && value < 1000) {
      value = value * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    if (pos_ == start) return Error(what);
    return value;
  }

  Result<PosixTzRule::Change> ReadChange() {
    PosixTzRule::Change change;
    PosixTzRule::Day& day = change.day;
    if (Eat('M')) {
      day.kind = PosixTzRule::Day::kMonthWeekDay;
      SLUICE_ASSIGN_OR_RETURN(day.month, ReadNumber("a month"));
      if (day.month < 1 || day.month > 12) return Error("a month from 1 to 12");
      if (!Eat('.')) return Error("'.' after the month");
      SLUICE_ASSIGN_OR_RETURN(day.week, ReadNumber("a week"));
      if (day.week < 1 || day.week > 5) return Error("a week from 1 to 5");
      if (!Eat('.')) return Error("'.' after the week");
      SLUICE_ASSIGN_OR_RETURN(day.weekday, ReadNumber("a weekday"));
      if (day.weekday > 6) return Error("a weekday from 0 to 6");
    } else if (Eat('J')) {
      day.kind = PosixTzRule::Day::kJulian;
      SLUICE_ASSIGN_OR_RETURN(day.number, ReadNumber("a day number"));
      if (day.number < 1 || day.number > 365) return Error("a day from J1 to J365");
    } else {
      day.kind = PosixTzRule::Day::kZeroBased;
      SLUICE_ASSIGN_OR_RETURN(day.number, ReadNumber("a day, Jn or Mm.w.d"));
      if (day.number > 365) return Error("a day from 0 to 365");
    }
    if (Eat('/')) {
      // RFC 8536 section 3.3.1 widens POSIX's 0-24 hours to -167 to 167.
      SLUICE_ASSIGN_OR_RETURN(change.time, ReadHms(167, "a time"));
    }
    return change;
  }

  Status Error(const std::string& expected) const {
    return Status::Invalid("bad POSIX TZ rule \"" + std::string(text_) + "\": expected " +
                           expected + " at character " + std::to_string(pos_));
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

date::sys_days DayInYear(const PosixTzRule::Day& day, int year) {
  const date::year y{year};
  const date::sys_days jan1 = date::sys_days(y / date::January / 1);
  switch (day.kind) {
    case PosixTzRule::Day::kJulian: {
      // February 29 is never counted: J60 is March 1 in every year.
      const int index = day.number - 1 + (y.is_leap() && day.number >= 60 ? 1 : 0);
      return jan1 + date::days(index);
    }
    case PosixTzRule::Day::kZeroBased:
      return jan1 + date::days(day.number);
    case PosixTzRule::Day::kMonthWeekDay:
      break;
  }
  const date::weekday wd{static_cast<unsigned>(day.weekday)};
  const auto month = date::month{static_cast<unsigned>(day.month)};
  if (day.week == 5) return date::sys_days(y / month / wd[date::last]);
  return date::sys_days(y / month / wd[static_cast<unsigned>(day.week)]);
}

}  // namespace

Result<PosixTzRule> ParsePosixTzRule(std::string_view text) {
  PosixTzRule rule;
  if (text.empty()) return rule;
  RuleReader r(text);
  SLUICE_RETURN_IF_ERROR(r.ReadName());
  // POSIX offsets are what to add to local time to get UTC, so west of Greenwich is positive.
  SLUICE_ASSIGN_OR_RETURN(seconds std_west, r.ReadHms(24, "an offset"));
  rule.std_offset = -std_west;
  if (r.done()) return rule;
  SLUICE_RETURN_IF_ERROR(r.ReadName());
  rule.has_dst = true;
  rule.dst_offset = rule.std_offset + hours(1);
  if (!r.done() && r.Peek() != ',') {
    SLUICE_ASSIGN_OR_RETURN(seconds dst_west, r.ReadHms(24, "an offset"));
    rule.dst_offset = -dst_west;
  }
  // zic always writes when daylight time starts and ends; POSIX leaves a missing rule to the
  // implementation, and guessing one would be a silent default.
  if (!r.Eat(',')) return r.Error("',' and when daylight time starts");
  SLUICE_ASSIGN_OR_RETURN(rule.dst_start, r.ReadChange());
  if (!r.Eat(',')) return r.Error("',' and when daylight time ends");
  SLUICE_ASSIGN_OR_RETURN(rule.dst_end, r.ReadChange());
  if (!r.done()) return r.Error("the end of the rule");
  return rule;
}

std::vector<OffsetChange> ChangesInYears(const PosixTzRule& rule, int first_year, int last_year) {
  if (!rule.has_dst) return {};
  std::vector<OffsetChange> changes;
  for (int year = first_year; year <= last_year; ++year) {
    auto instant = [&](const PosixTzRule::Change& change, seconds offset_before) {
      const auto local = date::sys_seconds(DayInYear(change.day, year)) + change.time;
      return TimePoint(local.time_since_epoch() - offset_before);
    };
    changes.push_back({instant(rule.dst_start, rule.std_offset), rule.dst_offset});
    changes.push_back({instant(rule.dst_end, rule.dst_offset), rule.std_offset});
  }
  // Stable, so that for a zone on daylight time all year ("EST5EDT4,0/0,J365/25": the year's
  // end and the next year's start at one instant) the later year's change is applied last.
  std::stable_sort(changes.begin(), changes.end(),
                   [](const OffsetChange& a, const OffsetChange& b) { return a.at < b.at; });
  return changes;
}

std::vector<OffsetChange> ChangesInYear(const PosixTzRule& rule, int year) {
  return ChangesInYears(rule, year, year);
}

}  // namespace sluice
