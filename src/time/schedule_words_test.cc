#include "time/schedule_words.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

std::string Words(std::string_view expr) {
  Result<std::string> words = ScheduleInWords(expr);
  if (!words.ok()) return "error: " + words.status().message();
  return *words;
}

TEST(ScheduleWordsTest, Presets) {
  EXPECT_EQ(Words("@hourly"), "every hour at minute 0");
  EXPECT_EQ(Words("@daily"), "every day at 00:00");
  EXPECT_EQ(Words("@weekly"), "at 00:00 on Sunday");
  EXPECT_EQ(Words("@monthly"), "at 00:00 on day 1 of every month");
  EXPECT_EQ(Words("@yearly"), "at 00:00 on day 1 of January");
  EXPECT_EQ(Words("@annually"), "at 00:00 on day 1 of January");
  EXPECT_EQ(Words("@once"), "once");
  EXPECT_EQ(Words("  @daily "), "every day at 00:00");
}

TEST(ScheduleWordsTest, EveryInterval) {
  EXPECT_EQ(Words("every 15m"), "every 15 minutes");
  EXPECT_EQ(Words("every 1m"), "every minute");
  EXPECT_EQ(Words("every 1h"), "every hour");
  EXPECT_EQ(Words("every 2h"), "every 2 hours");
  EXPECT_EQ(Words("every 1h30m"), "every 1 hour and 30 minutes");
  EXPECT_EQ(Words("every 1d"), "every day");
  EXPECT_EQ(Words("every 2d"), "every 2 days");
  EXPECT_EQ(Words("every 45s"), "every 45 seconds");
  EXPECT_EQ(Words("every 90"), "every 1 minute and 30 seconds");
  EXPECT_EQ(Words("every 1d2h3m4s"), "every 1 day, 2 hours, 3 minutes and 4 seconds");
  EXPECT_EQ(Words("every 1500ms"), "every 1 second and 500 milliseconds");
  EXPECT_EQ(Words("every 250ms"), "every 250 milliseconds");
  EXPECT_EQ(Words("every 1ms"), "every millisecond");
  EXPECT_EQ(Words("every 1s5us"), "every 1 second and 5 microseconds");
  EXPECT_EQ(Words("every\t15m"), "every 15 minutes");
}

TEST(ScheduleWordsTest, Minutes) {
  EXPECT_EQ(Words("* * * * *"), "every minute");
  EXPECT_EQ(Words("*/1 * * * *"), "every minute");
  EXPECT_EQ(Words("0-59 * * * *"), "every minute");
  EXPECT_EQ(Words("*/15 * * * *"), "every 15 minutes");
  EXPECT_EQ(Words("0,15,30,45 * * * *"), "every 15 minutes");
  EXPECT_EQ(Words("5/15 * * * *"), "every 15 minutes from minute 5");
  EXPECT_EQ(Words("10-30/5 * * * *"), "every 5 minutes from minute 10 through 30 of every hour");
  EXPECT_EQ(Words("0-29 * * * *"), "every minute from minute 0 through 29 of every hour");
  // 56 -> 0 is 4 minutes, so not "every 7 minutes".
  EXPECT_EQ(Words("*/7 * * * *"), "every 7 minutes from minute 0 through 56 of every hour");
  EXPECT_EQ(Words("0 * * * *"), "every hour at minute 0");
  EXPECT_EQ(Words("30 */1 * * *"), "every hour at minute 30");
  EXPECT_EQ(Words("0,30 * * * *"), "every hour at minutes 0 and 30");
  EXPECT_EQ(Words("0,15,45 * * * *"), "every hour at minutes 0, 15 and 45");
}

TEST(ScheduleWordsTest, Hours) {
  EXPECT_EQ(Words("0 2 * * *"), "every day at 02:00");
  EXPECT_EQ(Words("5 14 * * *"), "every day at 14:05");
  EXPECT_EQ(Words("0 6,18 * * *"), "every day at 06:00 and 18:00");
  EXPECT_EQ(Words("0,30 9 * * *"), "every day at 09:00 and 09:30");
  EXPECT_EQ(Words("0 0,6,12 * * *"), "every day at 00:00, 06:00 and 12:00");
  EXPECT_EQ(Words("0 1/6 * * *"), "every day at 01:00, 07:00, 13:00 and 19:00");
  EXPECT_EQ(Words("0 */4 * * *"), "every 4 hours at minute 0");
  EXPECT_EQ(Words("0 0,4,8,12,16,20 * * *"), "every 4 hours at minute 0");
  EXPECT_EQ(Words("15 */2 * * *"), "every 2 hours at minute 15");
  EXPECT_EQ(Words("0 1-23/2 * * *"), "every 2 hours from 01:00 through 23:00");
  EXPECT_EQ(Words("0 8-17 * * *"), "every hour from 08:00 through 17:00");
  EXPECT_EQ(Words("* 9 * * *"), "every minute from 09:00 through 09:59");
  // Up to six times are listed; more evenly spaced ones are said as an interval.
  EXPECT_EQ(Words("10-30/5 9 * * *"), "every day at 09:10, 09:15, 09:20, 09:25 and 09:30");
  EXPECT_EQ(Words("10-40/5 9 * * *"), "every 5 minutes from 09:10 through 09:40");
  EXPECT_EQ(Words("0-9 23 * * *"), "every minute from 23:00 through 23:09");
  EXPECT_EQ(Words("*/15 9-17 * * *"), "every 15 minutes from 09:00 through 17:45");
  EXPECT_EQ(Words("5/15 9-17 * * *"), "every 15 minutes from 09:05 through 17:50");
}

TEST(ScheduleWordsTest, TooManyTimesSaysEachFieldExactly) {
  EXPECT_EQ(Words("0,30 */2 * * *"),
            "at minutes 0 and 30 during every 2nd hour from hour 0 through 22");
  EXPECT_EQ(Words("5,10 1,4,9,13 * * *"), "at minutes 5 and 10 during hours 1, 4, 9 and 13");
  EXPECT_EQ(Words("10-30/5 9-17 * * *"),
            "every 5 minutes from minute 10 through 30 during hours 9 through 17");
  EXPECT_EQ(Words("0,15,45 1,3,4 * * 1"),
            "at minutes 0, 15 and 45 during hours 1, 3 and 4 on Monday");
}

TEST(ScheduleWordsTest, DaysOfWeek) {
  EXPECT_EQ(Words("30 18 * * 1-5"), "at 18:30, Monday through Friday");
  EXPECT_EQ(Words("30 18 * * mon-FRI"), "at 18:30, Monday through Friday");
  EXPECT_EQ(Words("15 6 * * 1,3,5"), "at 06:15 on Monday, Wednesday and Friday");
  EXPECT_EQ(Words("15 6 * * MON,wed,Fri"), "at 06:15 on Monday, Wednesday and Friday");
  EXPECT_EQ(Words("45 23 * * 0"), "at 23:45 on Sunday");
  EXPECT_EQ(Words("45 23 * * 7"), "at 23:45 on Sunday");
  EXPECT_EQ(Words("45 23 * * sun"), "at 23:45 on Sunday");
  EXPECT_EQ(Words("0 0 * * 6,0"), "at 00:00 on Saturday and Sunday");
  EXPECT_EQ(Words("0 0 * * 5-7"), "at 00:00, Friday through Sunday");
  EXPECT_EQ(Words("0 0 * * 0-6"), "every day at 00:00");
  EXPECT_EQ(Words("0 0 * * */1"), "every day at 00:00");
  EXPECT_EQ(Words("0 * * * 1-5"), "every hour at minute 0, Monday through Friday");
  EXPECT_EQ(Words("*/15 9-17 * * 1-5"),
            "every 15 minutes from 09:00 through 17:45, Monday through Friday");
}

TEST(ScheduleWordsTest, DaysOfMonthAndMonths) {
  EXPECT_EQ(Words("0 9 1 * *"), "at 09:00 on day 1 of every month");
  EXPECT_EQ(Words("0 9 1,15 * *"), "at 09:00 on days 1 and 15 of every month");
  EXPECT_EQ(Words("0 0 1-7 * *"), "at 00:00 on days 1 through 7 of every month");
  EXPECT_EQ(Words("0 0 */2 * *"), "at 00:00 on every 2nd day from day 1 through 31 of every month");
  EXPECT_EQ(Words("0 0 29 2 *"), "at 00:00 on day 29 of February");
  EXPECT_EQ(Words("0 0 1 */3 *"), "at 00:00 on day 1 of January, April, July and October");
  EXPECT_EQ(Words("0 0 1 3-5 *"), "at 00:00 on day 1 of every month from March through May");
  EXPECT_EQ(Words("0 0 1 jan,JUL *"), "at 00:00 on day 1 of January and July");
  EXPECT_EQ(Words("0 9 * 1 *"), "every day at 09:00 in January");
  EXPECT_EQ(Words("0 9 * 3-5 *"), "every day at 09:00, March through May");
  EXPECT_EQ(Words("0 9 * 11,12,1 *"), "every day at 09:00, November through January");
  EXPECT_EQ(Words("0 12 * 6 1"), "at 12:00 on Monday in June");
  EXPECT_EQ(Words("0 12 * 6-8 1-5"), "at 12:00, Monday through Friday, June through August");
}

// Vixie cron: with neither day field beginning with `*`, a day matches if either does.
TEST(ScheduleWordsTest, BothDayFieldsMeanEither) {
  EXPECT_EQ(Words("0 9 1 * 1"), "at 09:00 on day 1 of the month or on Monday");
  EXPECT_EQ(Words("0 9 1,15 * 1-5"),
            "at 09:00 on days 1 and 15 of the month or on Monday through Friday");
  EXPECT_EQ(Words("0 9 1 6 1"), "at 09:00 on day 1 of the month or on Monday, in June");
  EXPECT_EQ(Words("0 9 1 6-8 1"),
            "at 09:00 on day 1 of the month or on Monday, June through August");
  // Either field matching every day makes every day match.
  EXPECT_EQ(Words("0 0 1 * 0-6"), "every day at 00:00");
  EXPECT_EQ(Words("0 0 1-31 * 1"), "every day at 00:00");
}

// A day field beginning with `*` makes a day match both fields.
TEST(ScheduleWordsTest, StarredDayFieldMeansBoth) {
  EXPECT_EQ(Words("0 0 */2 * 1"),
            "at 00:00 on every 2nd day from day 1 through 31 of every month if it falls on "
            "Monday");
  EXPECT_EQ(Words("0 0 1 * */2"),
            "at 00:00 on day 1 of every month if it falls on Tuesday, Thursday, Saturday or "
            "Sunday");
  EXPECT_EQ(Words("0 0 */1 * 1"), "at 00:00 on Monday");
}

TEST(ScheduleWordsTest, ErrorsAreTheSchedulersOwn) {
  EXPECT_EQ(Words("61 * * * *"),
            "error: invalid cron expression '61 * * * *': minute 61 is out of range 0-59");
  EXPECT_EQ(Words("@dayly"),
            "error: invalid schedule '@dayly': unknown preset '@dayly' (did you mean '@daily'?)");
  EXPECT_EQ(Words("every 0m"),
            "error: invalid schedule 'every 0m': the interval must be greater "
            "than zero");
}

}  // namespace
}  // namespace sluice
