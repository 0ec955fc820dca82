#include "api/login_limiter.h"

#include <gtest/gtest.h>

namespace sluice::api {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kT0 = TimePoint(seconds(1'800'000'000));

TEST(LoginLimiterTest, FiveFailuresForOneUserLockItForTheRestOfTheWindow) {
  LoginLimiter limiter;
  int wait = 0;
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(limiter.Check("ann", "10.0.0.1", kT0 + seconds(i), &wait).ok()) << i;
    limiter.RecordFailure("ann", "10.0.0.1", kT0 + seconds(i));
  }
  Status st = limiter.Check("ann", "10.0.0.2", kT0 + seconds(10), &wait);
  EXPECT_EQ(st.code(), StatusCode::kTooManyRequests);
  // The first failure (at 0 s) leaves the 15-minute window at 900 s.
  EXPECT_EQ(st.message(), "too many failed logins for user 'ann'; try again in 890 s");
  EXPECT_EQ(wait, 890);
  // Another user from the same address is not held by ann's failures.
  EXPECT_TRUE(limiter.Check("bob", "10.0.0.1", kT0 + seconds(10), &wait).ok());
  EXPECT_TRUE(limiter.Check("ann", "10.0.0.1", kT0 + seconds(900), &wait).ok());
}

TEST(LoginLimiterTest, TwentyFailuresFromOneAddressLockEveryNameFromIt) {
  LoginLimiter limiter;
  int wait = 0;
  for (int i = 0; i < 20; ++i) {
    limiter.RecordFailure("user" + std::to_string(i), "10.0.0.9", kT0);
  }
  Status st = limiter.Check("someone", "10.0.0.9", kT0 + minutes(1), &wait);
  EXPECT_EQ(st.message(), "too many failed logins from 10.0.0.9; try again in 840 s");
  EXPECT_TRUE(limiter.Check("someone", "10.0.0.8", kT0 + minutes(1), &wait).ok());
}

TEST(LoginLimiterTest, ASuccessClearsTheUsersFailures) {
  LoginLimiter limiter;
  int wait = 0;
  for (int i = 0; i < 4; ++i) limiter.RecordFailure("ann", "10.0.0.1", kT0);
  limiter.RecordSuccess("ann");
  limiter.RecordFailure("ann", "10.0.0.1", kT0);
  EXPECT_TRUE(limiter.Check("ann", "10.0.0.1", kT0, &wait).ok());
}

}  // namespace
}  // namespace sluice::api
