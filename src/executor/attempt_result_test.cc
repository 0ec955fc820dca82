#include "executor/attempt_result.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(AttemptResultTest, FormatsOneLineOfFields) {
  AttemptResult r;
  r.start_us = 1764000000000000;
  r.end_us = 1764000000123456;
  r.exit_code = 3;
  EXPECT_EQ(FormatAttemptResult(r),
            "start_us=1764000000000000 end_us=1764000000123456 exit_code=3 timed_out=0 killed=0 "
            "done=1");
}

TEST(AttemptResultTest, RoundTripsEveryField) {
  AttemptResult r;
  r.start_us = 1;
  r.end_us = 2;
  r.signal = 9;
  r.timed_out = true;
  r.killed = true;
  r.error = "exec(\"./a\\b\"): No such\nfile";
  r.log_dropped = 12345;
  r.log_error = "No space left on device";
  EXPECT_EQ(FormatAttemptResult(r).find('\n'), std::string::npos);
  std::string error;
  auto parsed = ParseAttemptResult(FormatAttemptResult(r), &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(*parsed, r);
  EXPECT_FALSE(parsed->exit_code);
}

TEST(AttemptResultTest, SaysWhenTheLogWasCut) {
  AttemptResult r;
  r.end_us = 2;
  r.exit_code = 0;
  r.log_dropped = 70;
  r.log_capped = true;
  EXPECT_EQ(FormatAttemptResult(r),
            "start_us=0 end_us=2 exit_code=0 timed_out=0 killed=0 log_dropped=70 log_capped=1 "
            "done=1");
  r.log_capped = false;
  r.log_error = "No space left on device";
  EXPECT_EQ(FormatAttemptResult(r),
            "start_us=0 end_us=2 exit_code=0 timed_out=0 killed=0 log_dropped=70 log_capped=0 "
            "log_error=No\\sspace\\sleft\\son\\sdevice done=1");
  std::string error;
  EXPECT_FALSE(ParseAttemptResult("end_us=5 log_dropped=-1 done=1", &error));
  EXPECT_EQ(error, "field 2: bad value for log_dropped: '-1'");
}

TEST(AttemptResultTest, IgnoresUnknownKeys) {
  std::string error;
  auto parsed = ParseAttemptResult("end_us=5 future_key=x exit_code=0 done=1", &error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->end_us, 5);
  EXPECT_EQ(parsed->exit_code, 0);
}

TEST(AttemptResultTest, RejectsTruncatedOrMalformedResults) {
  std::string error;
  EXPECT_FALSE(ParseAttemptResult("start_us=5", &error));
  EXPECT_EQ(error, "missing end_us");
  EXPECT_FALSE(ParseAttemptResult("end_us=5 exit_code=3x", &error));
  EXPECT_EQ(error, "field 2: bad value for exit_code: '3x'");
  // A line cut before its last field is torn, whatever it holds.
  EXPECT_FALSE(ParseAttemptResult("start_us=1 end_us=5 exit_code=0", &error));
  EXPECT_EQ(error, "missing done=1");
  EXPECT_FALSE(ParseAttemptResult("end_us=5 garbage", &error));
  EXPECT_EQ(error, "field 2: expected key=value");
  EXPECT_FALSE(ParseAttemptResult("end_us=5 timed_out=yes", &error));
  EXPECT_EQ(error, "field 2: bad value for timed_out: 'yes'");
}

TEST(AttemptResultTest, FindsTheResultOnTheLogsLastLine) {
  const std::string log =
      "2026-11-23T07:38:18.000001Z sluice| started pid 42\n"
      "2026-11-23T07:38:18.000002Z out| result: start_us=1 end_us=2 exit_code=9 done=1\n"
      "2026-11-23T07:38:18.000003Z sluice| exit code 0\n"
      "2026-11-23T07:38:18.000004Z sluice| result: start_us=7 end_us=8 exit_code=0 "
      "timed_out=0 killed=0 done=1\n";
  std::string error;
  auto r = ResultFromLogTail(log, &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->start_us, 7);
  EXPECT_EQ(r->end_us, 8);
  EXPECT_EQ(r->exit_code, 0);
}

TEST(AttemptResultTest, ALogWithoutAResultLineHasNone) {
  std::string error = "stale";
  // The supervisor died while the task ran: the last line is the task's.
  EXPECT_FALSE(
      ResultFromLogTail("2026-11-23T07:38:18.000001Z sluice| started pid 42\n"
                        "2026-11-23T07:38:18.000002Z out| result: start_us=1 end_us=2 "
                        "exit_code=0 done=1\n",
                        &error));
  EXPECT_EQ(error, "");
  // Cut in the middle of the result line.
  EXPECT_FALSE(
      ResultFromLogTail("2026-11-23T07:38:18.000004Z sluice| result: start_us=7 end", &error));
  EXPECT_EQ(error, "");
  EXPECT_FALSE(ResultFromLogTail("", &error));
  EXPECT_EQ(error, "");
  // A result line that does not parse is reported as such.
  EXPECT_FALSE(
      ResultFromLogTail("2026-11-23T07:38:18.000004Z sluice| result: end_us=x done=1\n", &error));
  EXPECT_EQ(error, "field 1: bad value for end_us: 'x'");
}

}  // namespace
}  // namespace sluice
