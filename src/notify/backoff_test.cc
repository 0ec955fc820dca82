#include "notify/backoff.h"

#include <gtest/gtest.h>

namespace sluice::notify {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kEvent = TimePoint(seconds(1'800'000'000));

TEST(BackoffTest, DoublesFromTenSecondsUpToTenMinutes) {
  BackoffPolicy p;
  TimePoint now = kEvent;
  std::vector<Duration> delays;
  for (int attempts = 1; attempts <= 8; ++attempts) {
    auto next = NextAttemptAt(p, kEvent, attempts, now);
    ASSERT_TRUE(next.has_value()) << attempts;
    delays.push_back(*next - now);
    now = *next;
  }
  EXPECT_EQ(delays, (std::vector<Duration>{seconds(10), seconds(20), seconds(40), seconds(80),
                                           seconds(160), seconds(320), minutes(10), minutes(10)}));
}

TEST(BackoffTest, GivesUpOnceTheNextTryWouldBeMoreThanAnHourAfterTheEvent) {
  BackoffPolicy p;
  // 50 minutes in, 8 tries made: the next would be at 60 minutes, still within the hour.
  EXPECT_EQ(NextAttemptAt(p, kEvent, 8, kEvent + minutes(50)), kEvent + hours(1));
  EXPECT_EQ(NextAttemptAt(p, kEvent, 9, kEvent + minutes(51)), std::nullopt);
}

TEST(BackoffTest, AnyNumberOfTriesStaysAtTheCap) {
  BackoffPolicy p;
  p.give_up_after = hours(1000);
  EXPECT_EQ(NextAttemptAt(p, kEvent, 1'000'000, kEvent), kEvent + minutes(10));
}

}  // namespace
}  // namespace sluice::notify
