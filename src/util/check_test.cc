#include "util/check.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(CheckDeathTest, AFailedCheckNamesItsPlaceConditionAndReasonThenAborts) {
  const int two = 2;
  EXPECT_DEATH(SLUICE_CHECK(two + 1 == 4, "arithmetic holds"),
               "check_test\\.cc:[0-9]+: check failed: two \\+ 1 == 4 \\(arithmetic holds\\)");
}

TEST(CheckTest, AHoldingCheckEvaluatesItsConditionOnce) {
  int evaluated = 0;
  SLUICE_CHECK(++evaluated == 1, "evaluated once");
  EXPECT_EQ(evaluated, 1);
}

#ifdef NDEBUG
TEST(CheckTest, ADebugCheckIsNotEvaluatedInRelease) {
  int evaluated = 0;
  SLUICE_DCHECK(++evaluated == 5, "never evaluated in release");
  EXPECT_EQ(evaluated, 0);
}
#else
TEST(CheckDeathTest, AFailedDebugCheckAbortsInDebugBuilds) {
  EXPECT_DEATH(SLUICE_DCHECK(sizeof(int) == 1, "debug invariant"),
               "check failed: sizeof\\(int\\) == 1 \\(debug invariant\\)");
}
#endif

}  // namespace
}  // namespace sluice
