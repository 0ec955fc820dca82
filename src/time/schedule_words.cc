#include "time/schedule_words.h"

#include <array>
#include <bitset>
#include <chrono>
#include <cstdio>
#include <optional>
#include <vector>

#include "time/duration.h"
#include "time/fire_times.h"
#include "util/strings.h"

namespace sluice {
namespace {

constexpr std::array<const char*, 7> kDayNames = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                  "Thursday", "Friday", "Saturday"};
constexpr std::array<const char*, 13> kMonthNames = {
    "",     "January", "February",  "March",   "April",    "May",     "June",
    "July", "August",  "September", "October", "November", "December"};
// More times than this are not listed one by one ("at 06:00, 12:00 and 18:00").
constexpr size_t kMaxListedTimes = 6;

template <size_t N>
std::vector<int> Members(const std::bitset<N>& set, int lo, int hi) {
  std::vector<int> out;
  for (int i = lo; i <= hi; ++i) {
    if (set[size_t(i)]) out.push_back(i);
  }
  return out;
}

// "a", "a and b", "a, b and c" (`word` "or": "a, b or c").
std::string JoinList(const std::vector<std::string>& parts, std::string_view word = "and") {
  if (parts.size() <= 1) return parts.empty() ? "" : parts[0];
  std::vector<std::string> head(parts.begin(), parts.end() - 1);
  return Join(head, ", ") + " " + std::string(word) + " " + parts.back();
}

std::vector<std::string> Numbers(const std::vector<int>& values) {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (int v : values) out.push_back(std::to_string(v));
  return out;
}

// Values first, first + step, ..., last with at least 3 of them: what `a-b/step` wrote (a
// plain range has step 1). Lists that happen to be evenly spaced read the same way.
struct Progression {
  int first = 0;
  int last = 0;
  int step = 0;
};

std::optional<Progression> AsProgression(const std::vector<int>& values) {
  if (values.size() < 3) return std::nullopt;
  int step = values[1] - values[0];
  for (size_t i = 2; i < values.size(); ++i) {
    if (values[i] - values[i - 1] != step) return std::nullopt;
  }
  return Progression{values.front(), values.back(), step};
}

// Whether the progression repeats evenly through every cycle of `period` (`*/15` in minutes,
// `*/4` in hours): then "every 15 minutes" is exact across the hour as well.
bool CoversCycle(const Progression& p, int period) {
  return p.first < p.step && period % p.step == 0 && p.last + p.step == period + p.first;
}

std::string Ordinal(int n) {
  const char* suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

std::string Plural(long long n, const std::string& unit) {
  return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
}

std::string Clock(int hour, int minute) {
  std::array<char, 8> text{};
  std::snprintf(text.data(), text.size(), "%02d:%02d", hour, minute);
  return text.data();
}

// A run of named values (weekdays, months) that may wrap around the end of its cycle: "Friday
// through Sunday" is 5,6,0. `names` are in cycle order; `count` of them, from index `base`.
std::optional<std::string> NamedRun(const std::vector<int>& values, int base, int count,
                                    const char* const* names) {
  if (values.size() < 3 || int(values.size()) >= count) return std::nullopt;
  std::vector<bool> in(size_t(count), false);
  for (int v : values) in[size_t(v - base)] = true;
  // The run starts at the one member whose predecessor is not a member.
  int starts = 0;
  int start = 0;
  for (int i = 0; i < count; ++i) {
    if (in[size_t(i)] && !in[size_t((i + count - 1) % count)]) {
      ++starts;
      start = i;
    }
  }
  if (starts != 1) return std::nullopt;
  int end = (start + int(values.size()) - 1) % count;
  return std::string(names[start]) + " through " + names[end];
}

// Weekdays 0 (Sunday) .. 6 as words, Monday first as a week reads: "Monday through Friday",
// "Monday, Wednesday and Friday" (`word` "or" for a choice).
std::string Weekdays(const std::vector<int>& days, std::string_view word = "and") {
  if (auto run = NamedRun(days, 0, 7, kDayNames.data())) return *run;
  std::vector<std::string> names;
  for (int d : days) {
    if (d != 0) names.emplace_back(kDayNames[size_t(d)]);
  }
  if (!days.empty() && days.front() == 0) names.emplace_back(kDayNames[0]);
  return JoinList(names, word);
}

std::string Months(const std::vector<int>& months) {
  if (auto run = NamedRun(months, 1, 12, kMonthNames.data() + 1)) return *run;
  std::vector<std::string> names;
  names.reserve(months.size());
  for (int m : months) names.emplace_back(kMonthNames[size_t(m)]);
  return JoinList(names);
}

// Days of the month: "day 1", "days 1 and 15", "days 1 through 7", "every 2nd day from day 1
// through 31".
std::string MonthDays(const std::vector<int>& days) {
  if (days.size() == 1) return "day " + std::to_string(days[0]);
  std::optional<Progression> p = AsProgression(days);
  if (p && p->step == 1) {
    return "days " + std::to_string(p->first) + " through " + std::to_string(p->last);
  }
  if (p) {
    return "every " + Ordinal(p->step) + " day from day " + std::to_string(p->first) + " through " +
           std::to_string(p->last);
  }
  return "days " + JoinList(Numbers(days));
}

// The minute field alone: "every minute", "every 15 minutes", "every 5 minutes from minute 10
// through 30", "at minute 5", "at minutes 0, 15 and 45".
std::string MinutePhrase(const std::vector<int>& minutes) {
  if (minutes.size() == 60) return "every minute";
  if (minutes.size() == 1) return "at minute " + std::to_string(minutes[0]);
  std::optional<Progression> p = AsProgression(minutes);
  if (p && p->first == 0 && CoversCycle(*p, 60)) return "every " + Plural(p->step, "minute");
  if (p && CoversCycle(*p, 60)) {
    return "every " + Plural(p->step, "minute") + " from minute " + std::to_string(p->first);
  }
  if (p) {
    return "every " + (p->step == 1 ? std::string("minute") : Plural(p->step, "minute")) +
           " from minute " + std::to_string(p->first) + " through " + std::to_string(p->last);
  }
  return "at minutes " + JoinList(Numbers(minutes));
}

// The hour field alone, after "during": "hour 9", "hours 9 through 17", "every 2nd hour from
// hour 1 through 23", "hours 1, 4 and 9".
std::string HourPhrase(const std::vector<int>& hours) {
  if (hours.size() == 1) return "hour " + std::to_string(hours[0]);
  std::optional<Progression> p = AsProgression(hours);
  if (p && p->step == 1) {
    return "hours " + std::to_string(p->first) + " through " + std::to_string(p->last);
  }
  if (p) {
    return "every " + Ordinal(p->step) + " hour from hour " + std::to_string(p->first) +
           " through " + std::to_string(p->last);
  }
  return "hours " + JoinList(Numbers(hours));
}

std::string EveryMinutes(int step) {
  return step == 1 ? "every minute" : "every " + Plural(step, "minute");
}

// The time of day. `at_times` is set when the phrase is a list of wall times ("at 02:00"), which
// reads "every day at 02:00" when every day matches.
std::string TimePhrase(const std::vector<int>& minutes, const std::vector<int>& hours,
                       bool& at_times) {
  at_times = false;
  std::optional<Progression> mp = AsProgression(minutes);
  std::optional<Progression> hp = AsProgression(hours);
  bool minute_interval = mp && CoversCycle(*mp, 60);
  if (hours.size() == 24) {
    if (minutes.size() == 1) return "every hour at minute " + std::to_string(minutes[0]);
    if (!mp) return "every hour at minutes " + JoinList(Numbers(minutes));
    return MinutePhrase(minutes) + (minute_interval ? "" : " of every hour");
  }
  if (minutes.size() == 1 && hp && hp->first == 0 && CoversCycle(*hp, 24)) {
    return "every " + Plural(hp->step, "hour") + " at minute " + std::to_string(minutes[0]);
  }
  if (minutes.size() * hours.size() <= kMaxListedTimes) {
    std::vector<std::string> times;
    for (int h : hours) {
      for (int m : minutes) times.push_back(Clock(h, m));
    }
    at_times = true;
    return "at " + JoinList(times);
  }
  if (minutes.size() == 1 && hp) {
    return "every " + (hp->step == 1 ? std::string("hour") : Plural(hp->step, "hour")) + " from " +
           Clock(hp->first, minutes[0]) + " through " + Clock(hp->last, minutes[0]);
  }
  // Evenly spaced minutes within one hour, or through contiguous hours when they repeat evenly
  // across each hour's end.
  if (mp && (hours.size() == 1 || (minute_interval && hp && hp->step == 1))) {
    return EveryMinutes(mp->step) + " from " + Clock(hours.front(), mp->first) + " through " +
           Clock(hours.back(), mp->last);
  }
  return MinutePhrase(minutes) + " during " + HourPhrase(hours);
}

// The months as a phrase to end a sentence: "", " in January and July", ", March through May".
std::string MonthsSuffix(const std::vector<int>& months) {
  if (months.size() == 12) return "";
  if (NamedRun(months, 1, 12, kMonthNames.data() + 1)) return ", " + Months(months);
  return " in " + Months(months);
}

}  // namespace

std::string CronInWords(const CronExpression& cron) {
  std::vector<int> minutes = Members(cron.minute_set(), 0, 59);
  std::vector<int> hours = Members(cron.hour_set(), 0, 23);
  std::vector<int> month_days = Members(cron.day_of_month_set(), 1, 31);
  std::vector<int> months = Members(cron.month_set(), 1, 12);
  std::vector<int> weekdays = Members(cron.day_of_week_set(), 0, 6);
  bool every_month_day = month_days.size() == 31;
  bool every_weekday = weekdays.size() == 7;

  bool at_times = false;
  std::string text = TimePhrase(minutes, hours, at_times);
  // Vixie cron: when either day field begins with `*`, a day must match both; otherwise either.
  bool together = cron.days_match_together();
  bool every_day = together ? every_month_day && every_weekday : every_month_day || every_weekday;
  if (every_day) {
    return (at_times ? "every day " : "") + text + MonthsSuffix(months);
  }
  if (!together) {
    // Either day field: "on day 1 of the month or on Monday".
    std::string suffix = MonthsSuffix(months);
    return text + " on " + MonthDays(month_days) + " of the month or on " + Weekdays(weekdays) +
           (suffix.empty() || suffix[0] == ',' ? suffix : "," + suffix);
  }
  if (every_month_day) {
    bool run = NamedRun(weekdays, 0, 7, kDayNames.data()).has_value();
    return text + (run ? ", " : " on ") + Weekdays(weekdays) + MonthsSuffix(months);
  }
  std::string of_months = "every month";
  if (months.size() < 12) {
    of_months = NamedRun(months, 1, 12, kMonthNames.data() + 1)
                    ? "every month from " + Months(months)
                    : Months(months);
  }
  text += " on " + MonthDays(month_days) + " of " + of_months;
  if (!every_weekday) text += " if it falls on " + Weekdays(weekdays, "or");
  return text;
}

Result<std::string> ScheduleInWords(std::string_view expr) {
  // The same checks and messages as the scheduler's; the zone and start do not matter here.
  SLUICE_RETURN_IF_ERROR(FireTimes::Create(expr, TimeZone::Utc(), TimePoint()).status());
  std::string_view text = Trim(expr);
  if (text == "@once") return std::string("once");
  if (text[0] == '@') text = PresetCron(text);
  if (StartsWith(text, "every")) {
    SLUICE_ASSIGN_OR_RETURN(Duration every, ParseDuration(Trim(text.substr(5))));
    // "every hour", "every 15 minutes", "every 1 hour and 30 minutes", down to the microseconds
    // a duration holds ("every 1 second and 500 milliseconds").
    const std::array<std::pair<Duration, const char*>, 6> units = {
        {{std::chrono::days(1), "day"},
         {std::chrono::hours(1), "hour"},
         {std::chrono::minutes(1), "minute"},
         {std::chrono::seconds(1), "second"},
         {std::chrono::milliseconds(1), "millisecond"},
         {std::chrono::microseconds(1), "microsecond"}}};
    std::vector<std::string> parts;
    Duration left = every;
    for (const auto& [size, unit] : units) {
      if (left >= size) {
        parts.push_back(Plural(left / size, unit));
        left %= size;
      }
    }
    if (parts.size() == 1 && StartsWith(parts[0], "1 ")) return "every " + parts[0].substr(2);
    return "every " + JoinList(parts);
  }
  SLUICE_ASSIGN_OR_RETURN(CronExpression cron, CronExpression::Parse(text));
  return CronInWords(cron);
}

}  // namespace sluice
