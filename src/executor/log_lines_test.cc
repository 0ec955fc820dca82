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
