#pragma once
// An IANA time zone from the system tz database (/usr/share/zoneinfo), through Howard Hinnant's
// date/tz. Cheap to copy: it points into the process-wide database, which lives forever.

#include <string>

#include "sluice/status.h"

namespace date {
class time_zone;
}

namespace sluice {

class TimeZone {
 public:
  // Error: "unknown time zone 'Mars/Base' (use an IANA name such as America/New_York)".
  static Result<TimeZone> Find(const std::string& name);
  static TimeZone Utc();

  const std::string& name() const { return name_; }
  const date::time_zone* zone() const { return zone_; }  // never null

 private:
  TimeZone(std::string name, const date::time_zone* zone) : name_(std::move(name)), zone_(zone) {}
  std::string name_;
  const date::time_zone* zone_;
};

}  // namespace sluice
