#include "time/duration.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

Duration Parse(std::string_view text) {
  Result<Duration> d = ParseDuration(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().message();
  return d.ok() ? *d : Duration(-1);
}

std::string Error(std::string_view text) {
  Result<Duration> d = ParseDuration(text);
  EXPECT_FALSE(d.ok()) << text << " parsed as " << (d.ok() ? d->count() : 0) << "us";
  return d.status().message();
}

TEST(ParseDuration, ReadsEachUnitAndCombinations) {
  EXPECT_EQ(Parse("45s"), seconds(45));
  EXPECT_EQ(Parse("5m"), minutes(5));
  EXPECT_EQ(Parse("2h"), hours(2));
  EXPECT_EQ(Parse("1d"), hours(24));
  EXPECT_EQ(Parse("1h30m"), minutes(90));
  EXPECT_EQ(Parse("1d2h3m4s"), hours(26) + minutes(3) + seconds(4));
  EXPECT_EQ(Parse("250ms"), milliseconds(250));
  EXPECT_EQ(Parse("1s500ms"), milliseconds(1500));
  EXPECT_EQ(Parse("90m"), minutes(90));
}

TEST(ParseDuration, BareNumberIsSecondsAndZeroIsAllowed) {
  EXPECT_EQ(Parse("90"), seconds(90));
  EXPECT_EQ(Parse("0"), seconds(0));
  EXPECT_EQ(Parse("0s"), seconds(0));
  EXPECT_EQ(Parse(" 5m "), minutes(5));
}

TEST(ParseDuration, RejectsWithTheExactMessage) {
  EXPECT_EQ(Error("5x"),
            "invalid duration '5x' (use e.g. 45s, 5m, 2h, 1d, 1h30m or a number of seconds)");
  for (const char* bad : {"", " ", "-5s", "h", "1.5h", "30m1h", "1h1h", "1h30", "5 m",
                          "99999999999999999999s", "106751992d", "+5s", "5S"}) {
    EXPECT_EQ(Error(bad), "invalid duration '" + std::string(bad) +
                              "' (use e.g. 45s, 5m, 2h, 1d, 1h30m or a number of seconds)");
  }
}

TEST(FormatDuration, ShortestFormReadsBack) {
  EXPECT_EQ(FormatDuration(minutes(90)), "1h30m");
  EXPECT_EQ(FormatDuration(seconds(45)), "45s");
  EXPECT_EQ(FormatDuration(Duration(0)), "0s");
  EXPECT_EQ(FormatDuration(hours(24)), "1d");
  EXPECT_EQ(FormatDuration(hours(25) + seconds(1)), "1d1h1s");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(milliseconds(1250)), "1s");  // sub-second part dropped
  EXPECT_EQ(FormatDuration(Duration(1500)), "1500us");
  for (Duration d :
       std::initializer_list<Duration>{Duration(0), Duration(7), milliseconds(999), seconds(59),
                                       minutes(61), hours(49) + seconds(3)}) {
    EXPECT_EQ(Parse(FormatDuration(d)), d) << FormatDuration(d);
  }
}

}  // namespace
}  // namespace sluice
