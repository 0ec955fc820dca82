#include "executor/log_lines.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

constexpr int64_t kT = 1795419498123456;  // 2026-11-23T07:38:18.123456Z

TEST(LogLinesTest, TimestampIsUtcWithSixFractionDigits) {
  EXPECT_EQ(FormatLogTimestamp(kT), "2026-11-23T07:38:18.123456Z");
  EXPECT_EQ(FormatLogTimestamp(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatLogTimestamp(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(LogLinesTest, SplitsLinesAcrossChunksAndKeepsTheLastPartialLine) {
  LogLineSplitter out("out");
  std::string log;
  out.Feed("one\ntw", kT, &log);
  EXPECT_EQ(log, "2026-11-23T07:38:18.123456Z out| one\n");
  out.Feed("o\n\nthree", kT + 1, &log);
  out.Finish(kT + 2, &log);
  EXPECT_EQ(log,
            "2026-11-23T07:38:18.123456Z out| one\n"
            "2026-11-23T07:38:18.123457Z out| two\n"
            "2026-11-23T07:38:18.123457Z out| \n"
            "2026-11-23T07:38:18.123458Z out| three\n");
  std::string more;
  out.Finish(kT, &more);
  EXPECT_EQ(more, "");
}

TEST(LogLinesTest, ALineIsReadBackIntoItsParts) {
  std::string log;
  AppendLogLine(kT, "err", "a| b  ", &log);
  log.pop_back();
  std::optional<LogLine> line = ParseLogLine(log);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->time, "2026-11-23T07:38:18.123456Z");
  EXPECT_EQ(line->tag, "err");
  EXPECT_EQ(line->text, "a| b  ");
  line = ParseLogLine("2026-11-23T07:38:18.123456Z out| ");
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(line->text, "");
  // Not the format: plain text, a torn timestamp, no tag, a space in the tag.
  EXPECT_FALSE(ParseLogLine("hello | world").has_value());
  EXPECT_FALSE(ParseLogLine("2026-11-23T07:38:18.12 out| x").has_value());
  EXPECT_FALSE(ParseLogLine("2026-11-23T07:38:18.123456Z | x").has_value());
  EXPECT_FALSE(ParseLogLine("2026-11-23T07:38:18.123456Z a b| x").has_value());
  EXPECT_FALSE(ParseLogLine("").has_value());
}

TEST(LogLinesTest, LongLinesAreCutIntoPiecesNotDropped) {
  LogLineSplitter err("err", 4);
  std::string log;
  err.Feed("abcdefghij", kT, &log);
  EXPECT_EQ(log,
            "2026-11-23T07:38:18.123456Z err| abcd\n"
            "2026-11-23T07:38:18.123456Z err| efgh\n");
  err.Feed("k\nabcd\n", kT, &log);
  EXPECT_EQ(log,
            "2026-11-23T07:38:18.123456Z err| abcd\n"
            "2026-11-23T07:38:18.123456Z err| efgh\n"
            "2026-11-23T07:38:18.123456Z err| ijk\n"
            "2026-11-23T07:38:18.123456Z err| abcd\n");
}

TEST(LogLinesTest, NotesUseTheSluiceTag) {
  std::string log;
  AppendLogLine(kT, "sluice", "exit code 3", &log);
  EXPECT_EQ(log, "2026-11-23T07:38:18.123456Z sluice| exit code 3\n");
}

}  // namespace
}  // namespace sluice
