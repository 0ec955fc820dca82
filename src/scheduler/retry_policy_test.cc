#include "scheduler/retry_policy.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST(RetryPolicy, FixedDelayUntilRetriesAreUsed) {
  TaskSpec t;
  t.retries = 2;
  t.retry_delay = seconds(30);
  EXPECT_EQ(RetryDelay(t, 1, "k"), Duration(seconds(30)));
  EXPECT_EQ(RetryDelay(t, 2, "k"), Duration(seconds(30)));
  EXPECT_EQ(RetryDelay(t, 3, "k"), std::nullopt);
}

TEST(RetryPolicy, NoRetriesMeansNoDelay) {
  TaskSpec t;
  EXPECT_EQ(RetryDelay(t, 1, "k"), std::nullopt);
}

TEST(RetryPolicy, ExponentialDoublesWithinTenPercentJitterAndCaps) {
  TaskSpec t;
  t.retries = 10;
  t.retry_delay = minutes(2);
  t.retry_backoff = RetryBackoff::kExponential;
  t.max_retry_delay = minutes(15);
  const Duration expected[] = {minutes(2), minutes(4), minutes(8), minutes(15), minutes(15)};
  for (int attempt = 1; attempt <= 5; ++attempt) {
    Duration d = *RetryDelay(t, attempt, "dag/run/task/" + std::to_string(attempt));
    Duration full = expected[attempt - 1];
    EXPECT_LE(d, full) << "attempt " << attempt;
    EXPECT_GE(d, full - full / 10) << "attempt " << attempt;
  }
  // The same attempt always gets the same delay.
  EXPECT_EQ(RetryDelay(t, 3, "x"), RetryDelay(t, 3, "x"));
}

}  // namespace
}  // namespace sluice
