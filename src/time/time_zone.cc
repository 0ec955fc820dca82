#include "time/time_zone.h"

#include <cstdlib>
#include <exception>

#include "time/local_time.h"

namespace sluice {

Result<TimeZone> TimeZone::Find(const std::string& name) {
  try {
    return TimeZone(name, date::locate_zone(name));
  } catch (const std::exception&) {
    // date throws std::runtime_error for an unknown name and when the tz database is unreadable;
    // both leave the user with the same fix.
    return Status::Invalid("unknown time zone '" + name +
                           "' (use an IANA name such as America/New_York)");
  }
}

TimeZone TimeZone::Utc() {
  static const TimeZone utc = [] {
    Result<TimeZone> zone = Find("UTC");
    if (!zone.ok()) zone = Find("Etc/UTC");
    // Without tzdata nothing in Sluice can compute a schedule; failing loudly beats guessing.
    if (!zone.ok()) std::abort();
    return *zone;
  }();
  return utc;
}

TimePoint ResolveLocal(const TimeZone& zone, date::local_time<Duration> local) {
  auto seconds = date::floor<std::chrono::seconds>(local);
  date::local_info info = zone.zone()->get_info(seconds);
  switch (info.result) {
    case date::local_info::nonexistent:
      // The gap ends where the second period begins: the first real instant after it.
      return TimePoint(info.second.begin);
    case date::local_info::ambiguous:
      return TimePoint(local.time_since_epoch() - info.first.offset);
    case date::local_info::unique:
      break;
  }
  return TimePoint(local.time_since_epoch() - info.first.offset);
}

date::local_time<Duration> ToLocal(const TimeZone& zone, TimePoint t) {
  return zone.zone()->to_local(t);
}

}  // namespace sluice
