#include "time/cron.h"

#include <array>
#include <cctype>

#include "time/local_time.h"
#include "util/strings.h"

namespace sluice {
namespace {

using std::chrono::minutes;

struct Field {
  const char* name;
  int low;
  int high;
  const std::array<const char*, 12>* names;  // names[i] means low + i; null: numbers only
};

constexpr std::array<const char*, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                     "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 12> kDayNames = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat", nullptr, nullptr, nullptr, nullptr, nullptr};

// Day-of-week runs 0-7 as in Vixie cron: `*` and ranges may reach 7, which is Sunday again.
const Field kFields[5] = {
    {"minute", 0, 59, nullptr},        {"hour", 0, 23, nullptr},
    {"day-of-month", 1, 31, nullptr},  {"month", 1, 12, &kMonthNames},
    {"day-of-week", 0, 7, &kDayNames},
};

// The Gregorian calendar, weekdays included, repeats every 400 years (146097 days, a whole
// number of weeks): an expression with no wall-time match in that span never matches.
constexpr minutes kHorizon = std::chrono::days(146097 + 2);

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool AllLetters(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> SplitFields(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t b = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > b) fields.push_back(text.substr(b, i - b));
  }
  return fields;
}

// Minutes since the local epoch <-> calendar parts, on the proleptic Gregorian calendar.
date::sys_days DayOf(minutes m) { return date::floor<date::days>(date::sys_time<minutes>(m)); }
minutes StartOf(date::sys_days d) { return d.time_since_epoch(); }

}  // namespace

// Parses one expression; a class (not free functions) so it can fill CronExpression's bits.
class CronParser {
 public:
  explicit CronParser(std::string_view expr) : expr_(expr) {}

  Result<CronExpression> Parse() {
    std::vector<std::string_view> fields = SplitFields(expr_);
    if (fields.size() != 5) {
      return Error("expected 5 fields, got " + std::to_string(fields.size()));
    }
    CronExpression cron;
    cron.text_ = std::string(expr_);
    std::bitset<8> dow;
    SLUICE_RETURN_IF_ERROR(ParseField(fields[0], kFields[0], &cron.minutes_));
    SLUICE_RETURN_IF_ERROR(ParseField(fields[1], kFields[1], &cron.hours_));
    SLUICE_RETURN_IF_ERROR(ParseField(fields[2], kFields[2], &cron.days_of_month_));
    SLUICE_RETURN_IF_ERROR(ParseField(fields[3], kFields[3], &cron.months_));
    SLUICE_RETURN_IF_ERROR(ParseField(fields[4], kFields[4], &dow));
    for (int d = 0; d < 7; ++d) cron.days_of_week_[size_t(d)] = dow[size_t(d)];
    if (dow[7]) cron.days_of_week_[0] = true;
    cron.dom_star_ = fields[2][0] == '*';
    cron.dow_star_ = fields[4][0] == '*';
    cron.fixed_time_ = fields[0][0] != '*' && fields[1][0] != '*';
    if (!cron.FiresOnSomeDay()) {
      return Error("it never fires (no date has a day-of-month, month and day-of-week it allows)");
    }
    return cron;
  }

 private:
  Status Error(const std::string& problem) const {
    return Status::Invalid("invalid cron expression '" + std::string(expr_) + "': " + problem);
  }

  std::string Range(const Field& f) const {
    return std::to_string(f.low) + "-" + std::to_string(f.high);
  }

  template <size_t N>
  Status ParseField(std::string_view text, const Field& f, std::bitset<N>* bits) {
    for (const std::string& item : Split(text, ',')) {
      if (item.empty()) {
        return Error(std::string(f.name) + " '" + std::string(text) + "' has an empty list item");
      }
      SLUICE_RETURN_IF_ERROR(ParseItem(item, f, bits));
    }
    return Status::Ok();
  }

  // One list item: `*`, `N`, `N-M`, each optionally followed by `/STEP`.
  template <size_t N>
  Status ParseItem(std::string_view item, const Field& f, std::bitset<N>* bits) {
    std::string_view range = item;
    int step = 1;
    bool has_step = false;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      std::string_view step_text = item.substr(slash + 1);
      if (!AllDigits(step_text)) {
        return Error(std::string(f.name) + " step '" + std::string(step_text) +
                     "' is not a number");
      }
      if (step_text.size() > 3 || std::stoi(std::string(step_text)) < 1 ||
          std::stoi(std::string(step_text)) > f.high) {
        return Error(std::string(f.name) + " step " + std::string(step_text) +
                     " is out of range 1-" + std::to_string(f.high));
      }
      step = std::stoi(std::string(step_text));
      has_step = true;
    }
    int first = f.low;
    int last = f.high;
    if (range != "*") {
      size_t dash = range.find('-');
      SLUICE_RETURN_IF_ERROR(ParseValue(range.substr(0, dash), f, &first));
      if (dash != std::string_view::npos) {
        std::string_view end = range.substr(dash + 1);
        SLUICE_RETURN_IF_ERROR(ParseValue(end, f, &last));
        // `fri-sun` means Friday to Sunday: `sun` closing a range is 7, not 0. (Vixie reads it
        // as 0 and so a backwards range; croniter, and users, read it as the week's end.)
        if (f.high == 7 && last == 0 && first > 0 && AllLetters(end)) last = 7;
        if (first > last) {
          return Error(std::string(f.name) + " range " + std::string(range) +
                       " is reversed (start after end)");
        }
      } else if (!has_step) {
        last = first;
      }
      // Otherwise `N/STEP`: Vixie reads it as N-MAX/STEP.
    }
    for (int v = first; v <= last; v += step) bits->set(size_t(v));
    return Status::Ok();
  }

  Status ParseValue(std::string_view text, const Field& f, int* out) {
    if (AllLetters(text) && f.names != nullptr) {
      std::string name = Lower(text);
      for (size_t i = 0; i < f.names->size(); ++i) {
        if ((*f.names)[i] != nullptr && name == (*f.names)[i]) {
          *out = f.low + int(i);
          return Status::Ok();
        }
      }
      return Error("unknown name '" + std::string(text) + "' in " + f.name);
    }
    if (!AllDigits(text)) {
      return Error(std::string(f.name) + " '" + std::string(text) + "' is not a number" +
                   (f.names != nullptr ? " or a name" : ""));
    }
    if (text.size() > 3 || std::stoi(std::string(text)) < f.low ||
        std::stoi(std::string(text)) > f.high) {
      return Error(std::string(f.name) + " " + std::string(text) + " is out of range " + Range(f));
    }
    *out = std::stoi(std::string(text));
    return Status::Ok();
  }

  std::string_view expr_;
};

Result<CronExpression> CronExpression::Parse(std::string_view expr) {
  return CronParser(expr).Parse();
}

bool CronExpression::DayMatches(int day_of_month, int day_of_week) const {
  bool dom = days_of_month_[size_t(day_of_month)];
  bool dow = days_of_week_[size_t(day_of_week)];
  return (dom_star_ || dow_star_) ? (dom && dow) : (dom || dow);
}

bool CronExpression::FiresOnSomeDay() const {
  // The Gregorian calendar repeats every 400 years, weekdays included (146097 days, a whole
  // number of weeks): a day that matches exists iff one exists in any 400-year span. Every
  // minute and hour field allows some value, so the day decides. An expression that fires at all
  // finds its day within a few years (a leap day within 8, across a skipped century year), so
  // only one that never fires walks the whole span: 146097 bit tests, well under a millisecond.
  const date::sys_days first = date::sys_days(date::year(2000) / 1 / 1);
  for (date::sys_days day = first; day < first + date::days(146097); day += date::days(1)) {
    const date::year_month_day ymd(day);
    if (months_[unsigned(ymd.month())] &&
        DayMatches(int(unsigned(ymd.day())), int(date::weekday(day).c_encoding()))) {
      return true;
    }
  }
  return false;
}

std::optional<minutes> CronExpression::NextLocalMatch(minutes from, minutes limit) const {
  minutes m = from;
  while (m < limit) {
    date::sys_days day = DayOf(m);
    date::year_month_day ymd(day);
    if (!months_[unsigned(ymd.month())]) {
      m = StartOf(date::sys_days((ymd.year() / ymd.month() + date::months(1)) / 1));
      continue;
    }
    if (!DayMatches(int(unsigned(ymd.day())), int(date::weekday(day).c_encoding()))) {
      m = StartOf(day + date::days(1));
      continue;
    }
    minutes into_day = m - StartOf(day);
    int hour = int(into_day.count() / 60);
    int minute = int(into_day.count() % 60);
    if (hours_[size_t(hour)]) {
      for (int k = minute; k < 60; ++k) {
        if (minutes_[size_t(k)]) {
          minutes found = StartOf(day) + minutes(hour * 60 + k);
          return found < limit ? std::optional(found) : std::nullopt;
        }
      }
    }
    m = StartOf(day) + minutes((hour + 1) * 60);
  }
  return std::nullopt;
}

std::optional<TimePoint> CronExpression::NextAfter(TimePoint after, const TimeZone& zone) const {
  // Beyond these years the calendar arithmetic and the tz database stop being meaningful;
  // clamping keeps extreme inputs (a fuzzer's) away from overflow.
  static const TimePoint kEarliest = date::sys_days(date::year(1) / 1 / 1);
  static const TimePoint kLatest = date::sys_days(date::year(9999) / 12 / 31);
  if (after >= kLatest) return std::nullopt;
  if (after < kEarliest) after = kEarliest;
  return fixed_time_ ? NextFixedTime(after, zone) : NextEveryInstant(after, zone);
}

std::optional<TimePoint> CronExpression::NextFixedTime(TimePoint after,
                                                       const TimeZone& zone) const {
  // Each matching wall time L fires once, at ResolveLocal(L), which never decreases as L grows.
  // The wall time of `after` resolves to `after` or earlier, so no earlier L can fire after it.
  minutes from = date::ceil<minutes>(ToLocal(zone, after).time_since_epoch());
  minutes limit = from + kHorizon;
  while (std::optional<minutes> local = NextLocalMatch(from, limit)) {
    TimePoint fire = ResolveLocal(zone, date::local_time<Duration>(*local));
    if (fire > after) return fire;
    from = *local + minutes(1);
  }
  return std::nullopt;
}

std::optional<TimePoint> CronExpression::NextEveryInstant(TimePoint after,
                                                          const TimeZone& zone) const {
  // Walk the zone's periods of constant UTC offset; within one, wall time is UTC plus the
  // offset, so the first match is a forward search over wall minutes. A repeated wall hour lies
  // in two periods and fires in both; a skipped one lies in none.
  TimePoint t = after + Duration(1);
  minutes limit = date::ceil<minutes>(ToLocal(zone, after).time_since_epoch()) + kHorizon;
  for (;;) {
    const TimeZone::Period info = zone.PeriodAt(t);
    minutes from = date::ceil<minutes>(t.time_since_epoch() + info.offset);
    if (from >= limit) return std::nullopt;
    minutes end = limit;
    if (info.end.time_since_epoch() + info.offset < limit) {
      end = date::ceil<minutes>(info.end.time_since_epoch() + info.offset);
    }
    if (std::optional<minutes> local = NextLocalMatch(from, end)) {
      return TimePoint(*local - info.offset);
    }
    if (end >= limit) return std::nullopt;
    t = info.end;
  }
}

}  // namespace sluice
