#include "time/time_format.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "time/local_time.h"

namespace sluice {
namespace {

TimeZone Zone(const std::string& name) {
  Result<TimeZone> zone = TimeZone::Find(name);
  EXPECT_TRUE(zone.ok()) << zone.status().message();
  return zone.ok() ? *zone : TimeZone::Utc();
}

std::string ParseToIso(std::string_view text, const std::string& zone) {
  Result<TimePoint> t = ParseTimePoint(text, Zone(zone));
  if (!t.ok()) return "error: " + t.status().message();
  return FormatIsoUtc(*t);
}

TEST(TimeZone, FindsIanaNamesAndRejectsOthers) {
  EXPECT_EQ(Zone("America/New_York").name(), "America/New_York");
  EXPECT_EQ(TimeZone::Utc().name(), "UTC");
  Result<TimeZone> bad = TimeZone::Find("Mars/Base");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown time zone 'Mars/Base' (use an IANA name such as America/New_York)");
  EXPECT_FALSE(TimeZone::Find("").ok());
}

TEST(FormatIsoUtc, ShowsAFractionOnlyWhenNotZero) {
  EXPECT_EQ(FormatIsoUtc(TimePoint()), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(TimePoint(std::chrono::seconds(1735860600))), "2025-01-02T23:30:00Z");
  EXPECT_EQ(FormatIsoUtc(TimePoint(Duration(1795419498123456))), "2026-11-23T07:38:18.123456Z");
  EXPECT_EQ(FormatIsoUtc(TimePoint(Duration(1795419498000001))), "2026-11-23T07:38:18.000001Z");
  EXPECT_EQ(FormatIsoUtc(TimePoint(Duration(-1))), "1969-12-31T23:59:59.999999Z");
}

// The same text printf gave, across the whole range of years date::year_month_day holds.
TEST(FormatIsoUtc, MatchesPrintfFromYearMinus32767To32767) {
  auto printf_iso = [](TimePoint t) {
    auto day = date::floor<date::days>(t);
    date::year_month_day ymd(day);
    date::hh_mm_ss<Duration> tod(t - day);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(tod.hours().count()),
                  int(tod.minutes().count()), int(tod.seconds().count()));
    std::string out = buf;
    if (int64_t frac = tod.subseconds().count(); frac != 0) {
      std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
      out += buf;
    }
    return out + "Z";
  };
  const auto first = date::sys_days(date::year(-32767) / 1 / 1);
  const auto last = date::sys_days(date::year(32767) / 12 / 31);
  const int64_t span = Duration(last - first).count();
  // A fixed stride through the range, with a sub-second part that is sometimes zero.
  for (int64_t i = 0; i <= 20000; ++i) {
    const int64_t offset = span / 20000 * i + (i % 3 == 0 ? 0 : (i * 7919) % 1'000'000);
    const TimePoint t = TimePoint(first) + Duration(offset);
    ASSERT_EQ(FormatIsoUtc(t), printf_iso(t)) << offset;
  }
  EXPECT_EQ(FormatIsoUtc(TimePoint(first)), "-32767-01-01T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(TimePoint(date::sys_days(date::year(-5) / 3 / 4))),
            "-005-03-04T00:00:00Z");
  EXPECT_EQ(FormatIsoUtc(TimePoint(date::sys_days(date::year(12345) / 6 / 7))),
            "12345-06-07T00:00:00Z");
}

TEST(ParseTimePoint, DateIsMidnightInTheZone) {
  EXPECT_EQ(ParseToIso("2025-01-02", "UTC"), "2025-01-02T00:00:00Z");
  EXPECT_EQ(ParseToIso("2025-01-02", "America/New_York"), "2025-01-02T05:00:00Z");
  EXPECT_EQ(ParseToIso("2025-07-02", "America/New_York"), "2025-07-02T04:00:00Z");
}

TEST(ParseTimePoint, WallTimesInTheZone) {
  EXPECT_EQ(ParseToIso("2025-01-02T09:30", "America/New_York"), "2025-01-02T14:30:00Z");
  EXPECT_EQ(ParseToIso("2025-01-02 09:30:15", "America/New_York"), "2025-01-02T14:30:15Z");
  EXPECT_EQ(ParseToIso("2025-01-02T09:30:15.25", "Europe/London"), "2025-01-02T09:30:15.250000Z");
  EXPECT_EQ(ParseToIso("2025-01-02T09:30:15.1234569", "UTC"), "2025-01-02T09:30:15.123456Z");
}

TEST(ParseTimePoint, GapMapsToTheFirstInstantAfterItAmbiguousToTheEarlier) {
  // New York springs forward at 02:00 EST (07:00Z) on 2025-03-09: 02:30 does not exist.
  EXPECT_EQ(ParseToIso("2025-03-09T02:30", "America/New_York"), "2025-03-09T07:00:00Z");
  EXPECT_EQ(ParseToIso("2025-03-09T03:00", "America/New_York"), "2025-03-09T07:00:00Z");
  // It falls back at 02:00 EDT (06:00Z) on 2025-11-02: 01:30 happens at 05:30Z and 06:30Z.
  EXPECT_EQ(ParseToIso("2025-11-02T01:30", "America/New_York"), "2025-11-02T05:30:00Z");
  EXPECT_EQ(ParseToIso("2025-11-02T02:00", "America/New_York"), "2025-11-02T07:00:00Z");
}

TEST(ParseTimePoint, ExplicitOffsetsAreTakenAsGiven) {
  EXPECT_EQ(ParseToIso("2025-01-02T09:30:00Z", "America/New_York"), "2025-01-02T09:30:00Z");
  EXPECT_EQ(ParseToIso("2025-01-02T09:30:00+05:30", "UTC"), "2025-01-02T04:00:00Z");
  EXPECT_EQ(ParseToIso("2025-01-02T09:30-02:00", "Asia/Tokyo"), "2025-01-02T11:30:00Z");
  EXPECT_EQ(ParseToIso("2025-01-02T09:30:00.5Z", "UTC"), "2025-01-02T09:30:00.500000Z");
}

TEST(ParseTimePoint, RejectsWithTheExactMessage) {
  EXPECT_EQ(ParseToIso("tomorrow", "UTC"),
            "error: invalid date or time 'tomorrow' (use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or "
            "ISO-8601 with Z)");
  for (const char* bad :
       {"", "2025-1-2", "2025-02-30", "2025-13-01", "2025-01-02T24:00", "2025-01-02T09:60",
        "2025-01-02T09:30:61", "2025-01-02T09", "2025-01-02T09:30:00.", "2025-01-02T09:30:00ZZ",
        "2025-01-02X09:30", "2025-01-02T09:30+5", "2025-01-02T09:30:00+25:00", "20250102"}) {
    EXPECT_EQ(ParseToIso(bad, "UTC"),
              "error: invalid date or time '" + std::string(bad) +
                  "' (use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or ISO-8601 with Z)");
  }
}

TEST(FormatLocalDate, IsTheWallDateInTheZone) {
  TimePoint t = *ParseTimePoint("2025-01-03T02:00:00Z", TimeZone::Utc());
  EXPECT_EQ(FormatLocalDate(t, TimeZone::Utc()), "2025-01-03");
  EXPECT_EQ(FormatLocalDate(t, Zone("America/New_York")), "2025-01-02");
  EXPECT_EQ(FormatLocalDate(t, Zone("Asia/Tokyo")), "2025-01-03");
}

}  // namespace
}  // namespace sluice
