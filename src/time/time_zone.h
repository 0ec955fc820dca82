#pragma once
// An IANA time zone from the system tz database (/usr/share/zoneinfo), through Howard Hinnant's
// date/tz, extended past the last transition the zone's file lists (2037 in Debian's files) by
// the POSIX TZ rule at the file's end, which date/tz ignores. Cheap to copy: it points into
// process-wide data that lives forever.

#include <chrono>
#include <string>

#include "sluice/clock.h"
#include "sluice/status.h"

namespace date {
class time_zone;
}

namespace sluice {

struct PosixTzRule;

class TimeZone {
 public:
  // A stretch of time with one UTC offset, [begin, end).
  struct Period {
    TimePoint begin;
    TimePoint end;
    std::chrono::seconds offset;  // east of UTC positive
  };

  // Error: "unknown time zone 'Mars/Base' (use an IANA name such as America/New_York)".
  static Result<TimeZone> Find(const std::string& name);
  static TimeZone Utc();

  const std::string& name() const { return name_; }
  // The period that contains `t`.
  Period PeriodAt(TimePoint t) const;

 private:
  TimeZone(std::string name, const date::time_zone* zone, const PosixTzRule* rule)
      : name_(std::move(name)), zone_(zone), rule_(rule) {}
  std::string name_;
  const date::time_zone* zone_;  // never null
  const PosixTzRule* rule_;      // the file's rule if it has daylight time, else null
};

}  // namespace sluice
