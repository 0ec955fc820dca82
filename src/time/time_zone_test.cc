// TimeZone: finding zones, and their periods past the last transition a zoneinfo file lists.
#include "time/time_zone.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <string>

#include "time/local_time.h"
#include "time/time_format.h"

namespace sluice {
namespace {

using std::chrono::hours;

TimePoint At(const char* iso) { return *ParseTimePoint(iso, TimeZone::Utc()); }

// Every zone date/tz knows has a rule Sluice can read (Debian's files are TZif version 2+).
TEST(TimeZone, EveryZoneOfTheSystemDatabaseLoads) {
  int zones = 0;
  for (const date::time_zone& zone : date::get_tzdb().zones) {
    Result<TimeZone> tz = TimeZone::Find(std::string(zone.name()));
    EXPECT_TRUE(tz.ok()) << zone.name() << ": " << tz.status().message();
    ++zones;
  }
  EXPECT_GT(zones, 300);
}

TEST(TimeZone, PeriodsPastTheFilesLastTransitionFollowItsRule) {
  Result<TimeZone> ny = TimeZone::Find("America/New_York");
  ASSERT_TRUE(ny.ok());
  TimeZone::Period summer = ny->PeriodAt(At("2045-07-01T12:00:00Z"));
  EXPECT_EQ(FormatIsoUtc(summer.begin), "2045-03-12T07:00:00Z");
  EXPECT_EQ(FormatIsoUtc(summer.end), "2045-11-05T06:00:00Z");
  EXPECT_EQ(summer.offset, -hours(4));
  TimeZone::Period winter = ny->PeriodAt(At("2045-12-25T12:00:00Z"));
  EXPECT_EQ(FormatIsoUtc(winter.begin), "2045-11-05T06:00:00Z");
  EXPECT_EQ(FormatIsoUtc(winter.end), "2046-03-11T07:00:00Z");
  EXPECT_EQ(winter.offset, -hours(5));
  // The last period the file lists (from November 2037) ends at the rule's first change.
  TimeZone::Period last_listed = ny->PeriodAt(At("2038-01-01T00:00:00Z"));
  EXPECT_EQ(FormatIsoUtc(last_listed.begin), "2037-11-01T06:00:00Z");
  EXPECT_EQ(FormatIsoUtc(last_listed.end), "2038-03-14T07:00:00Z");
}

// Wall times past 2037 resolve by the rule: a gap gives its first instant, a repeated hour its
// first occurrence, and the local time of an instant uses the offset then in force.
TEST(TimeZone, WallTimesPast2037) {
  Result<TimeZone> ny = TimeZone::Find("America/New_York");
  ASSERT_TRUE(ny.ok());
  auto resolve = [&](int y, unsigned m, unsigned d, int h, int min) {
    const auto local =
        date::local_days(date::year(y) / m / d) + hours(h) + std::chrono::minutes(min);
    return FormatIsoUtc(ResolveLocal(*ny, date::local_time<Duration>(local)));
  };
  EXPECT_EQ(resolve(2045, 3, 12, 2, 30), "2045-03-12T07:00:00Z");  // in the gap
  EXPECT_EQ(resolve(2045, 3, 12, 3, 30), "2045-03-12T07:30:00Z");
  EXPECT_EQ(resolve(2045, 11, 5, 1, 30), "2045-11-05T05:30:00Z");  // first of two
  EXPECT_EQ(resolve(2045, 7, 4, 12, 0), "2045-07-04T16:00:00Z");
  EXPECT_EQ(resolve(2045, 12, 25, 12, 0), "2045-12-25T17:00:00Z");
  const auto local = ToLocal(*ny, At("2045-07-04T16:00:00Z"));
  EXPECT_EQ(local.time_since_epoch(),
            (date::local_days(date::year(2045) / 7 / 4) + hours(12)).time_since_epoch());
}

}  // namespace
}  // namespace sluice
