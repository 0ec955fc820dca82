#include "time/time_zone.h"

#include <exception>
#include <map>
#include <memory>
#include <mutex>

#include "time/local_time.h"
#include "time/posix_tz_rule.h"
#include "util/check.h"
#include "util/file.h"

namespace sluice {
namespace {

using std::chrono::seconds;

// Where Debian's date/tz (built with USE_OS_TZDB) reads the zones from.
constexpr const char* kZoneinfoDir = "/usr/share/zoneinfo/";

// date/tz ends the period after a zone's last listed transition in the year 32767.
bool IsOpenEnded(const date::sys_info& info) {
  return info.end >= date::sys_days(date::year(10000) / 1 / 1);
}

// The POSIX TZ rule at the end of a TZif file of version 2 or later (RFC 8536 section 3.3):
// the text between the file's last two newlines. Empty for a version-1 file.
Result<std::string> FooterOf(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  if (bytes.size() < 5 || bytes.compare(0, 4, "TZif") != 0) {
    return Status::Invalid(path + " is not a TZif zoneinfo file");
  }
  if (bytes[4] == '\0') return std::string();
  if (bytes.back() != '\n') return Status::Invalid(path + " has no POSIX TZ rule at its end");
  const size_t start = bytes.rfind('\n', bytes.size() - 2);
  if (start == std::string::npos) return Status::Invalid(path + " has no POSIX TZ rule at its end");
  return bytes.substr(start + 1, bytes.size() - start - 2);
}

// The rule of `zone`, read once per zone for the life of the process; null without daylight
// time (the last listed offset then holds for ever, which date/tz already answers).
Result<const PosixTzRule*> RuleOf(const std::string& asked, const date::time_zone* zone) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<PosixTzRule>> rules;
  std::lock_guard<std::mutex> lock(mu);
  const std::string& canonical = zone->name();
  auto it = rules.find(canonical);
  if (it != rules.end()) return it->second.get();
  auto footer = FooterOf(kZoneinfoDir + canonical);
  if (!footer.ok()) footer = FooterOf(kZoneinfoDir + asked);
  if (!footer.ok()) return footer.status().WithContext("time zone '" + asked + "'");
  auto rule = ParsePosixTzRule(*footer);
  if (!rule.ok()) return rule.status().WithContext("time zone '" + asked + "'");
  std::unique_ptr<PosixTzRule>& slot = rules[canonical];
  if (rule->has_dst) slot = std::make_unique<PosixTzRule>(*rule);
  return slot.get();
}

}  // namespace

Result<TimeZone> TimeZone::Find(const std::string& name) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(name);
  } catch (const std::exception&) {
    // date throws std::runtime_error for an unknown name and when the tz database is unreadable;
    // both leave the user with the same fix.
    return Status::Invalid("unknown time zone '" + name +
                           "' (use an IANA name such as America/New_York)");
  }
  SLUICE_ASSIGN_OR_RETURN(const PosixTzRule* rule, RuleOf(name, zone));
  return TimeZone(name, zone, rule);
}

TimeZone TimeZone::Utc() {
  static const TimeZone utc = [] {
    Result<TimeZone> zone = Find("UTC");
    if (!zone.ok()) zone = Find("Etc/UTC");
    SLUICE_CHECK(zone.ok(), "tzdata has UTC: without it no schedule can be computed");
    return *zone;
  }();
  return utc;
}

TimeZone::Period TimeZone::PeriodAt(TimePoint t) const {
  const date::sys_info info = zone_->get_info(date::floor<seconds>(t));
  Period period{TimePoint(info.begin), TimePoint(info.end), info.offset};
  if (rule_ == nullptr || !IsOpenEnded(info)) return period;
  // After the file's last transition (info.begin): the rule's changes around t's year. Three
  // years cover the change before t and the one after it, whatever the hemisphere.
  const int year = static_cast<int>(date::year_month_day(date::floor<date::days>(t)).year());
  for (const OffsetChange& c : ChangesInYears(*rule_, year - 1, year + 1)) {
    if (c.at <= period.begin || c.offset == period.offset) continue;
    if (c.at <= t) {
      period.begin = c.at;
      period.offset = c.offset;
    } else {
      period.end = c.at;
      break;
    }
  }
  return period;
}

TimePoint ResolveLocal(const TimeZone& zone, date::local_time<Duration> local) {
  // Wall time L is instant L - offset of a period that contains it. Walk the periods around L
  // in order: the first that contains its instant gives the earlier of two (a repeated hour);
  // if L falls before a period's first wall time without any earlier period containing it, L
  // is in the gap before that period, and the first real instant after the gap is its start.
  const TimePoint as_utc(local.time_since_epoch());
  const TimePoint stop = as_utc + std::chrono::hours(48);
  TimeZone::Period p = zone.PeriodAt(as_utc - std::chrono::hours(48));
  for (;;) {
    const TimePoint instant = as_utc - p.offset;
    if (instant >= p.begin && instant < p.end) return instant;
    if (instant < p.begin) return p.begin;
    // Offsets are within a day of UTC, so the answer lies before `stop`.
    if (p.end > stop) return instant;
    p = zone.PeriodAt(p.end);
  }
}

date::local_time<Duration> ToLocal(const TimeZone& zone, TimePoint t) {
  return date::local_time<Duration>(t.time_since_epoch() + zone.PeriodAt(t).offset);
}

}  // namespace sluice
