#include "time/posix_tz_rule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "time/time_format.h"

namespace sluice {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The year's changes as "INSTANT OFFSET_MINUTES" strings.
std::vector<std::string> Changes(const std::string& text, int year) {
  Result<PosixTzRule> rule = ParsePosixTzRule(text);
  EXPECT_TRUE(rule.ok()) << rule.status().message();
  std::vector<std::string> out;
  if (!rule.ok()) return out;
  for (const OffsetChange& c : ChangesInYear(*rule, year)) {
    out.push_back(FormatIsoUtc(c.at) + " " +
                  std::to_string(std::chrono::duration_cast<minutes>(c.offset).count()));
  }
  return out;
}

TEST(PosixTzRule, ParsesNamesOffsetsAndTheThreeDayForms) {
  Result<PosixTzRule> ny = ParsePosixTzRule("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(ny.ok());
  EXPECT_EQ(ny->std_offset, -hours(5));
  EXPECT_TRUE(ny->has_dst);
  EXPECT_EQ(ny->dst_offset, -hours(4));
  EXPECT_EQ(ny->dst_start.day.month, 3);
  EXPECT_EQ(ny->dst_start.day.week, 2);
  EXPECT_EQ(ny->dst_start.time, hours(2));

  Result<PosixTzRule> tehran = ParsePosixTzRule("<+0330>-3:30");
  ASSERT_TRUE(tehran.ok());
  EXPECT_EQ(tehran->std_offset, hours(3) + minutes(30));
  EXPECT_FALSE(tehran->has_dst);

  Result<PosixTzRule> lord_howe = ParsePosixTzRule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
  ASSERT_TRUE(lord_howe.ok());
  EXPECT_EQ(lord_howe->dst_offset - lord_howe->std_offset, minutes(30));

  Result<PosixTzRule> julian = ParsePosixTzRule("XST3XDT,J60/1:30:15,300");
  ASSERT_TRUE(julian.ok());
  EXPECT_EQ(julian->dst_start.day.kind, PosixTzRule::Day::kJulian);
  EXPECT_EQ(julian->dst_start.time, hours(1) + minutes(30) + std::chrono::seconds(15));
  EXPECT_EQ(julian->dst_end.day.kind, PosixTzRule::Day::kZeroBased);
  EXPECT_EQ(julian->dst_end.day.number, 300);

  Result<PosixTzRule> none = ParsePosixTzRule("");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_dst);
}

TEST(PosixTzRule, BadRulesSayWhatWasExpectedWhere) {
  auto error = [](const std::string& text) {
    Result<PosixTzRule> rule = ParsePosixTzRule(text);
    return rule.ok() ? std::string("ok") : rule.status().message();
  };
  EXPECT_EQ(error("EST5EDT"),
            "bad POSIX TZ rule \"EST5EDT\": expected ',' and when daylight time starts at "
            "character 7");
  EXPECT_THAT(error("EST5EDT,M13.1.0,M11.1.0"), HasSubstr("expected a month from 1 to 12"));
  EXPECT_THAT(error("EST5EDT,M3.6.0,M11.1.0"), HasSubstr("expected a week from 1 to 5"));
  EXPECT_THAT(error("EST5EDT,M3.2.7,M11.1.0"), HasSubstr("expected a weekday from 0 to 6"));
  EXPECT_THAT(error("EST5EDT,J0,M11.1.0"), HasSubstr("expected a day from J1 to J365"));
  EXPECT_THAT(error("EST5EDT,M3.2.0/168,M11.1.0"),
              HasSubstr("expected a time of at most 167 hours"));
  EXPECT_THAT(error("E5"), HasSubstr("expected a zone name of three or more letters"));
  EXPECT_THAT(error("EST"), HasSubstr("expected an offset"));
  EXPECT_THAT(error("<+03"), HasSubstr("expected a name in <...>"));
  EXPECT_THAT(error("EST5EDT,M3.2.0,M11.1.0x"), HasSubstr("expected the end of the rule"));
}

// Expected instants from Python's zoneinfo, which applies the same rules, for 2045.
TEST(PosixTzRule, ChangesInAYearNorthAndSouth) {
  EXPECT_THAT(Changes("EST5EDT,M3.2.0,M11.1.0", 2045),
              ElementsAre("2045-03-12T07:00:00Z -240", "2045-11-05T06:00:00Z -300"));
  // Sydney: daylight time ends in April, starts in October.
  EXPECT_THAT(Changes("AEST-10AEDT,M10.1.0,M4.1.0/3", 2045),
              ElementsAre("2045-04-01T16:00:00Z 600", "2045-09-30T16:00:00Z 660"));
  EXPECT_THAT(Changes("<+0330>-3:30", 2045), ElementsAre());
}

TEST(PosixTzRule, TimesOutsideTheDayAndWeekFive) {
  // Nuuk changes at -1:00 and 0:00 local on the last Sunday: the day before, in wall time.
  EXPECT_THAT(Changes("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", 2045),
              ElementsAre("2045-03-26T01:00:00Z -60", "2045-10-29T01:00:00Z -120"));
  // Jerusalem: 26:00 on the Thursday before the last Sunday of March, i.e. Friday 02:00.
  EXPECT_THAT(Changes("IST-2IDT,M3.4.4/26,M10.5.0", 2045),
              ElementsAre("2045-03-24T00:00:00Z 180", "2045-10-28T23:00:00Z 120"));
  // Santiago: 24:00 on the first Saturday.
  EXPECT_THAT(Changes("<-04>4<-03>,M9.1.6/24,M4.1.6/24", 2045),
              ElementsAre("2045-04-02T03:00:00Z -240", "2045-09-03T04:00:00Z -180"));
}

TEST(PosixTzRule, JulianDaysSkipFebruary29AndZeroBasedDaysCountIt) {
  // 2048 is a leap year: J60 is March 1, day 59 (zero-based) is February 29.
  EXPECT_THAT(Changes("XST0XDT,J60/0,J300/0", 2048),
              ElementsAre("2048-03-01T00:00:00Z 60", "2048-10-26T23:00:00Z 0"));
  EXPECT_THAT(Changes("XST0XDT,59/0,300/0", 2048),
              ElementsAre("2048-02-29T00:00:00Z 60", "2048-10-26T23:00:00Z 0"));
}

}  // namespace
}  // namespace sluice
