#include "util/strings.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Strings, SplitKeepsEmptyParts) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(Split("", ','), (std::vector<std::string>{""}));
}

TEST(Strings, ClosestMatchSuggestsTyposOnly) {
  std::vector<std::string> keys = {"retries", "retry_delay", "run", "exec"};
  EXPECT_EQ(ClosestMatch("retires", keys), "retries");
  EXPECT_EQ(ClosestMatch("exce", keys), "exec");
  EXPECT_EQ(ClosestMatch("completely_else", keys), "");
}

TEST(Strings, TrimAndAffixes) {
  EXPECT_EQ(Trim("  x y \n"), "x y");
  EXPECT_TRUE(StartsWith("scheduled__x", "scheduled__"));
  EXPECT_TRUE(EndsWith("a.yaml", ".yaml"));
  EXPECT_FALSE(EndsWith("a", ".yaml"));
}

}  // namespace
}  // namespace sluice
