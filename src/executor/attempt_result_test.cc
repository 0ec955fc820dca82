#include "executor/attempt_result.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(AttemptResultTest, FormatsOneFieldPerLine) {
  AttemptResult r;
  r.start_us = 1764000000000000;
  r.end_us = 1764000000123456;
  r.exit_code = 3;
  EXPECT_EQ(FormatAttemptResult(r),
            "start_us=1764000000000000\nend_us=1764000000123456\nexit_code=3\n"
            "timed_out=0\nkilled=0\ndone=1\n");
}

TEST(AttemptResultTest, RoundTripsEveryField) {
  AttemptResult r;
  r.start_us = 1;
  r.end_us = 2;
  r.signal = 9;
  r.timed_out = true;
  r.killed = true;
  r.error = "exec(\"./a\\b\"): No such\nfile";
  std::string error;
  auto parsed = ParseAttemptResult(FormatAttemptResult(r), &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(*parsed, r);
  EXPECT_FALSE(parsed->exit_code);
}

TEST(AttemptResultTest, IgnoresUnknownKeys) {
  std::string error;
  auto parsed = ParseAttemptResult("end_us=5\nfuture_key=x\nexit_code=0\ndone=1\n", &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->end_us, 5);
  EXPECT_EQ(parsed->exit_code, 0);
}

TEST(AttemptResultTest, RejectsTruncatedOrMalformedFiles) {
  std::string error;
  EXPECT_FALSE(ParseAttemptResult("start_us=5\n", &error));
  EXPECT_EQ(error, "missing end_us (a truncated result file?)");
  EXPECT_FALSE(ParseAttemptResult("end_us=5\nexit_code=3x\n", &error));
  EXPECT_EQ(error, "line 2: bad value for exit_code: '3x'");
  // Written in place: a file cut before its last line is torn, whatever it holds.
  EXPECT_FALSE(ParseAttemptResult("start_us=1\nend_us=5\nexit_code=0\n", &error));
  EXPECT_EQ(error, "missing done=1 (a truncated result file?)");
  EXPECT_FALSE(ParseAttemptResult("end_us=5\ngarbage\n", &error));
  EXPECT_EQ(error, "line 2: expected key=value");
  EXPECT_FALSE(ParseAttemptResult("end_us=5\ntimed_out=yes\n", &error));
  EXPECT_EQ(error, "line 2: bad value for timed_out: 'yes'");
}

}  // namespace
}  // namespace sluice
