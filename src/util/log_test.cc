#include "util/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

using ::testing::MatchesRegex;

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = CurrentLogLevel();
    SetLogWriterForTesting([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    SetLogWriterForTesting(nullptr);
    SetLogLevel(saved_);
  }
  std::vector<std::string> lines_;
  LogLevel saved_ = LogLevel::kInfo;
};

TEST_F(LogTest, ALineHasTheUtcTimeTheLevelAndTheMessage) {
  SetLogLevel(LogLevel::kDebug);
  SLUICE_LOG_WARN("scheduler: {} run(s) of '{}'", 3, "etl");
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_THAT(lines_[0], MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                      "\\.[0-9]{3}Z WARN  scheduler: 3 run\\(s\\) of 'etl'\n"));
}

TEST_F(LogTest, MessagesBelowTheLevelAreDroppedWithoutFormattingTheirArguments) {
  SetLogLevel(LogLevel::kWarn);
  int formatted = 0;
  auto counted = [&formatted] { return ++formatted; };
  SLUICE_LOG_DEBUG("debug {}", counted());
  SLUICE_LOG_INFO("info {}", counted());
  SLUICE_LOG_WARN("warn");
  SLUICE_LOG_ERROR("error");
  EXPECT_EQ(formatted, 0);
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_THAT(lines_[0], MatchesRegex(".*Z WARN  warn\n"));
  EXPECT_THAT(lines_[1], MatchesRegex(".*Z ERROR error\n"));
  SetLogLevel(LogLevel::kOff);
  SLUICE_LOG_ERROR("nothing");
  EXPECT_EQ(lines_.size(), 2u);
}

TEST(LogLevelTest, ParsesTheNamesOfSluiceLogLevel) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("info"), LogLevel::kInfo);
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("error"), LogLevel::kError);
  EXPECT_EQ(ParseLogLevel("off"), LogLevel::kOff);
  EXPECT_EQ(ParseLogLevel("verbose"), std::nullopt);
  EXPECT_EQ(ParseLogLevel("INFO"), std::nullopt);
}

}  // namespace
}  // namespace sluice
