#include "time/timetable.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "time/fire_times.h"
#include "time/time_format.h"

namespace sluice {
namespace {

TimePoint Utc(std::string_view iso) {
  Result<TimePoint> t = ParseTimePoint(iso, TimeZone::Utc());
  EXPECT_TRUE(t.ok()) << iso;
  return t.ok() ? *t : TimePoint();
}

// "logical [start, end) due" with ISO instants, or "none".
std::string Show(const std::optional<RunWindow>& run) {
  if (!run) return "none";
  return FormatIsoUtc(run->logical_date) + " [" + FormatIsoUtc(run->data_interval_start) + ", " +
         FormatIsoUtc(run->data_interval_end) + "] due " + FormatIsoUtc(run->due);
}

Timetable Make(const std::string& expr, ScheduleMode mode, const std::string& zone,
               std::string_view start, std::optional<std::string_view> end = std::nullopt) {
  std::optional<TimePoint> end_time;
  if (end) end_time = Utc(*end);
  Result<Timetable> table = Timetable::Create({expr, mode}, zone, Utc(start), end_time);
  EXPECT_TRUE(table.ok()) << table.status().message();
  return std::move(table).value();
}

// First() and then After() on each logical date: the first `n` runs.
std::vector<std::string> Runs(const Timetable& table, int n) {
  std::vector<std::string> out;
  std::optional<RunWindow> run = table.First();
  for (int i = 0; i < n; ++i) {
    out.push_back(Show(run));
    if (!run) break;
    run = table.After(run->logical_date);
  }
  return out;
}

using ::testing::ElementsAre;
constexpr ScheduleMode kInterval = ScheduleMode::kInterval;
constexpr ScheduleMode kTrigger = ScheduleMode::kTrigger;

TEST(Timetable, NewYorkWeekdayEveningAcrossTheSpringChangeInIntervalMode) {
  Timetable table = Make("30 18 * * 1-5", kInterval, "America/New_York", "2025-03-06T00:00:00Z");
  EXPECT_THAT(Runs(table, 3),
              ElementsAre("2025-03-06T23:30:00Z [2025-03-06T23:30:00Z, 2025-03-07T23:30:00Z] due "
                          "2025-03-07T23:30:00Z",
                          "2025-03-07T23:30:00Z [2025-03-07T23:30:00Z, 2025-03-10T22:30:00Z] due "
                          "2025-03-10T22:30:00Z",
                          "2025-03-10T22:30:00Z [2025-03-10T22:30:00Z, 2025-03-11T22:30:00Z] due "
                          "2025-03-11T22:30:00Z"));
}

TEST(Timetable, TriggerModeIsDueAtItsLogicalDate) {
  Timetable table = Make("30 18 * * 1-5", kTrigger, "America/New_York", "2025-03-06T00:00:00Z");
  EXPECT_THAT(Runs(table, 2),
              ElementsAre("2025-03-06T23:30:00Z [2025-03-06T23:30:00Z, 2025-03-06T23:30:00Z] due "
                          "2025-03-06T23:30:00Z",
                          "2025-03-07T23:30:00Z [2025-03-07T23:30:00Z, 2025-03-07T23:30:00Z] due "
                          "2025-03-07T23:30:00Z"));
}

TEST(Timetable, StartInsideAnIntervalBeginsAtTheNextFireTime) {
  Timetable table = Make("@daily", kInterval, "UTC", "2025-01-01T12:00:00Z");
  EXPECT_EQ(Show(table.First()),
            "2025-01-02T00:00:00Z [2025-01-02T00:00:00Z, 2025-01-03T00:00:00Z] due "
            "2025-01-03T00:00:00Z");
  // A start exactly on a fire time is t0 itself.
  Timetable on_time = Make("@daily", kInterval, "UTC", "2025-01-01T00:00:00Z");
  EXPECT_EQ(Show(on_time.First()),
            "2025-01-01T00:00:00Z [2025-01-01T00:00:00Z, 2025-01-02T00:00:00Z] due "
            "2025-01-02T00:00:00Z");
}

TEST(Timetable, NoLogicalDateAfterEnd) {
  Timetable table =
      Make("@daily", kInterval, "UTC", "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z");
  EXPECT_THAT(Runs(table, 3),
              ElementsAre("2025-01-01T00:00:00Z [2025-01-01T00:00:00Z, 2025-01-02T00:00:00Z] due "
                          "2025-01-02T00:00:00Z",
                          "2025-01-02T00:00:00Z [2025-01-02T00:00:00Z, 2025-01-03T00:00:00Z] due "
                          "2025-01-03T00:00:00Z",
                          "none"));
  EXPECT_EQ(Show(table.LatestDue(Utc("2030-01-01T00:00:00Z"))),
            "2025-01-02T00:00:00Z [2025-01-02T00:00:00Z, 2025-01-03T00:00:00Z] due "
            "2025-01-03T00:00:00Z");
  EXPECT_EQ(Show(table.FirstDueAtOrAfter(Utc("2025-01-03T00:00:01Z"))), "none");
  Timetable empty =
      Make("@daily", kInterval, "UTC", "2025-01-05T00:00:00Z", "2025-01-04T00:00:00Z");
  EXPECT_EQ(Show(empty.First()), "none");
  EXPECT_EQ(Show(empty.LatestDue(Utc("2030-01-01T00:00:00Z"))), "none");
}

TEST(Timetable, OnceIsASingleRunAtStartInEitherMode) {
  for (ScheduleMode mode : {kInterval, kTrigger}) {
    Timetable table = Make("@once", mode, "UTC", "2025-01-01T09:15:00Z");
    EXPECT_THAT(Runs(table, 2),
                ElementsAre("2025-01-01T09:15:00Z [2025-01-01T09:15:00Z, 2025-01-01T09:15:00Z] "
                            "due 2025-01-01T09:15:00Z",
                            "none"));
    EXPECT_EQ(Show(table.LatestDue(Utc("2025-01-01T09:14:59Z"))), "none");
    EXPECT_EQ(Show(table.LatestDue(Utc("2026-01-01T00:00:00Z"))), Show(table.First()));
    EXPECT_EQ(Show(table.FirstDueAtOrAfter(Utc("2025-01-01T09:15:00Z"))), Show(table.First()));
    EXPECT_EQ(Show(table.FirstDueAtOrAfter(Utc("2025-01-01T09:15:01Z"))), "none");
  }
}

TEST(Timetable, EveryIsAFixedIntervalAnchoredAtStart) {
  Timetable table = Make("every 15m", kInterval, "America/New_York", "2025-01-01T00:07:00Z");
  EXPECT_THAT(Runs(table, 2),
              ElementsAre("2025-01-01T00:07:00Z [2025-01-01T00:07:00Z, 2025-01-01T00:22:00Z] due "
                          "2025-01-01T00:22:00Z",
                          "2025-01-01T00:22:00Z [2025-01-01T00:22:00Z, 2025-01-01T00:37:00Z] due "
                          "2025-01-01T00:37:00Z"));
  EXPECT_EQ(Show(table.LatestDue(Utc("2025-01-01T00:36:59Z"))),
            "2025-01-01T00:07:00Z [2025-01-01T00:07:00Z, 2025-01-01T00:22:00Z] due "
            "2025-01-01T00:22:00Z");
  EXPECT_EQ(Show(table.FirstDueAtOrAfter(Utc("2025-01-01T00:22:00Z"))),
            "2025-01-01T00:07:00Z [2025-01-01T00:07:00Z, 2025-01-01T00:22:00Z] due "
            "2025-01-01T00:22:00Z");
  EXPECT_EQ(Show(table.LatestDue(Utc("2025-01-01T00:21:59Z"))), "none");
}

TEST(Timetable, LatestDueInIntervalAndTriggerMode) {
  Timetable interval = Make("0 * * * *", kInterval, "UTC", "2025-01-01T00:00:00Z");
  EXPECT_EQ(Show(interval.LatestDue(Utc("2025-01-01T05:30:00Z"))),
            "2025-01-01T04:00:00Z [2025-01-01T04:00:00Z, 2025-01-01T05:00:00Z] due "
            "2025-01-01T05:00:00Z");
  EXPECT_EQ(Show(interval.LatestDue(Utc("2025-01-01T05:00:00Z"))),
            "2025-01-01T04:00:00Z [2025-01-01T04:00:00Z, 2025-01-01T05:00:00Z] due "
            "2025-01-01T05:00:00Z");
  EXPECT_EQ(Show(interval.LatestDue(Utc("2025-01-01T00:59:59Z"))), "none");
  Timetable trigger = Make("0 * * * *", kTrigger, "UTC", "2025-01-01T00:00:00Z");
  EXPECT_EQ(Show(trigger.LatestDue(Utc("2025-01-01T05:30:00Z"))),
            "2025-01-01T05:00:00Z [2025-01-01T05:00:00Z, 2025-01-01T05:00:00Z] due "
            "2025-01-01T05:00:00Z");
  EXPECT_EQ(Show(trigger.LatestDue(Utc("2024-12-31T23:59:59Z"))), "none");
}

TEST(Timetable, FirstDueAtOrAfter) {
  Timetable interval = Make("0 0 * * *", kInterval, "UTC", "2025-01-01T00:00:00Z");
  // t0 itself is not a due time in interval mode: run 0 is due at t1.
  EXPECT_EQ(Show(interval.FirstDueAtOrAfter(Utc("2024-06-01T00:00:00Z"))),
            "2025-01-01T00:00:00Z [2025-01-01T00:00:00Z, 2025-01-02T00:00:00Z] due "
            "2025-01-02T00:00:00Z");
  EXPECT_EQ(Show(interval.FirstDueAtOrAfter(Utc("2025-03-10T00:00:00Z"))),
            "2025-03-09T00:00:00Z [2025-03-09T00:00:00Z, 2025-03-10T00:00:00Z] due "
            "2025-03-10T00:00:00Z");
  EXPECT_EQ(Show(interval.FirstDueAtOrAfter(Utc("2025-03-10T00:00:01Z"))),
            "2025-03-10T00:00:00Z [2025-03-10T00:00:00Z, 2025-03-11T00:00:00Z] due "
            "2025-03-11T00:00:00Z");
  Timetable trigger = Make("0 0 * * *", kTrigger, "UTC", "2025-01-01T00:00:00Z");
  EXPECT_EQ(Show(trigger.FirstDueAtOrAfter(Utc("2025-03-10T00:00:00Z"))),
            "2025-03-10T00:00:00Z [2025-03-10T00:00:00Z, 2025-03-10T00:00:00Z] due "
            "2025-03-10T00:00:00Z");
}

TEST(Timetable, LatestDueIsFastYearsAfterStartWithAMinuteSchedule) {
  Timetable table = Make("* * * * *", kInterval, "Europe/Berlin", "2000-01-01T00:00:00Z");
  Timetable sparse = Make("0 0 29 2 *", kTrigger, "UTC", "2000-01-01T00:00:00Z");
  auto begin = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(Show(table.LatestDue(Utc("2025-06-01T12:00:30Z"))),
              "2025-06-01T11:59:00Z [2025-06-01T11:59:00Z, 2025-06-01T12:00:00Z] due "
              "2025-06-01T12:00:00Z");
    EXPECT_EQ(Show(sparse.LatestDue(Utc("2027-06-01T00:00:00Z"))),
              "2024-02-29T00:00:00Z [2024-02-29T00:00:00Z, 2024-02-29T00:00:00Z] due "
              "2024-02-29T00:00:00Z");
  }
  // A linear walk over 13 million minutes would take far longer than this generous bound.
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
}

TEST(Timetable, ErrorsCarryTheExactMessage) {
  auto error = [](const std::string& expr, const std::string& zone = "UTC") {
    Result<Timetable> table = Timetable::Create({expr, kInterval}, zone, TimePoint(), {});
    return table.ok() ? std::string("ok") : table.status().message();
  };
  EXPECT_EQ(error("61 * * * *"),
            "invalid cron expression '61 * * * *': minute 61 is out of range 0-59");
  EXPECT_EQ(error("@daily", "Mars/Base"),
            "unknown time zone 'Mars/Base' (use an IANA name such as America/New_York)");
  EXPECT_EQ(error("@dialy"),
            "invalid schedule '@dialy': unknown preset '@dialy' (did you mean "
            "'@daily'?)");
  EXPECT_EQ(error("@fortnightly"),
            "invalid schedule '@fortnightly': unknown preset '@fortnightly' (use @hourly, @daily, "
            "@weekly, @monthly, @yearly, @annually or @once)");
  EXPECT_EQ(error("every 0s"),
            "invalid schedule 'every 0s': the interval must be greater than "
            "zero");
  EXPECT_EQ(error("every"),
            "invalid schedule 'every': expected a duration after 'every', e.g. every 15m");
  EXPECT_EQ(error("every 5x"),
            "invalid schedule 'every 5x': invalid duration '5x' (use e.g. 45s, 5m, 2h, 1d, 1h30m "
            "or a number of seconds)");
  EXPECT_EQ(error(""),
            "invalid schedule '': expected a cron expression, a preset such as "
            "@daily, or every N");
  EXPECT_EQ(CheckScheduleExpression("@weekly").message(), "");
  EXPECT_TRUE(CheckScheduleExpression("every 1h30m").ok());
  EXPECT_EQ(CheckScheduleExpression("0 0 * * 8").message(),
            "invalid cron expression '0 0 * * 8': day-of-week 8 is out of range 0-7");
}

TEST(FireTimes, PresetsAreTheirCronExpressions) {
  const std::pair<const char*, const char*> presets[] = {
      {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},  {"@weekly", "0 0 * * 0"},
      {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}};
  TimePoint start = Utc("2025-01-01T00:00:00Z");
  for (const auto& [preset, cron] : presets) {
    auto a = FireTimes::Create(preset, TimeZone::Utc(), start);
    auto b = FireTimes::Create(cron, TimeZone::Utc(), start);
    ASSERT_TRUE(a.ok() && b.ok()) << preset;
    TimePoint ta = start, tb = start;
    for (int i = 0; i < 3; ++i) {
      ta = *(*a)->NextAfter(ta);
      tb = *(*b)->NextAfter(tb);
      EXPECT_EQ(FormatIsoUtc(ta), FormatIsoUtc(tb)) << preset;
    }
  }
  auto weekly = FireTimes::Create("@weekly", TimeZone::Utc(), start);
  EXPECT_EQ(FormatIsoUtc(*(*weekly)->FirstAtOrAfter(start)), "2025-01-05T00:00:00Z");
}

TEST(FireTimes, HugeEveryIntervalEndsInsteadOfOverflowing) {
  // Found by the fuzzer: 5e12 seconds is 5e18 microseconds, so t2 is past the clock's range.
  TimePoint start = Utc("2025-03-08T12:00:00Z");
  auto fire = FireTimes::Create("every 5000000000000", TimeZone::Utc(), start);
  ASSERT_TRUE(fire.ok());
  std::optional<TimePoint> t1 = (*fire)->NextAfter(start);
  ASSERT_TRUE(t1);
  EXPECT_EQ(*t1 - start, std::chrono::seconds(5000000000000));
  EXPECT_FALSE((*fire)->NextAfter(*t1));
  EXPECT_FALSE((*fire)->FirstAtOrAfter(*t1 + Duration(1)));
}

TEST(FireTimes, NeverBeforeStartAndLastAtOrBefore) {
  auto fire = FireTimes::Create("0 12 * * *", TimeZone::Utc(), Utc("2025-01-01T13:00:00Z"));
  ASSERT_TRUE(fire.ok());
  EXPECT_EQ(FormatIsoUtc(*(*fire)->NextAfter(Utc("2020-01-01T00:00:00Z"))), "2025-01-02T12:00:00Z");
  EXPECT_FALSE((*fire)->LastAtOrBefore(Utc("2025-01-02T11:59:59Z")));
  EXPECT_EQ(FormatIsoUtc(*(*fire)->LastAtOrBefore(Utc("2025-01-02T12:00:00Z"))),
            "2025-01-02T12:00:00Z");
  EXPECT_EQ(FormatIsoUtc(*(*fire)->LastAtOrBefore(Utc("2031-07-04T11:00:00Z"))),
            "2031-07-03T12:00:00Z");
}

}  // namespace
}  // namespace sluice
