#include "util/event_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "tests/testing/fake_clock.h"

namespace sluice {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kStart = TimePoint(Duration(1764000000000000));

class SimulatedLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loop = EventLoop::CreateSimulated(clock_, [this](TimePoint t) { clock_.Set(t); });
    ASSERT_TRUE(loop.ok()) << loop.status().message();
    loop_ = std::move(*loop);
  }
  FakeClock clock_{kStart};
  std::unique_ptr<EventLoop> loop_;
};

TEST_F(SimulatedLoopTest, TimersRunInTimeOrderAndTheClockJumpsToEach) {
  std::vector<std::string> ran;
  loop_->AddTimer(kStart + seconds(30), [&] { ran.emplace_back("b@30"); });
  loop_->AddTimer(kStart + seconds(10), [&] { ran.emplace_back("a@10"); });
  loop_->AddTimer(kStart + seconds(30), [&] { ran.emplace_back("c@30"); });
  EXPECT_EQ(loop_->NextTimer(), kStart + seconds(10));
  loop_->RunOnce(seconds(60));
  EXPECT_EQ(clock_.Now(), kStart + seconds(10));
  EXPECT_EQ(ran, (std::vector<std::string>{"a@10"}));
  loop_->RunOnce(seconds(60));
  EXPECT_EQ(clock_.Now(), kStart + seconds(30));
  EXPECT_EQ(ran, (std::vector<std::string>{"a@10", "b@30", "c@30"}));
  EXPECT_EQ(loop_->NextTimer(), TimePoint::max());
}

TEST_F(SimulatedLoopTest, MaxWaitBoundsTheJumpAndZeroDoesNotMoveTime) {
  bool ran = false;
  loop_->AddTimer(kStart + seconds(100), [&] { ran = true; });
  loop_->RunOnce(Duration::zero());
  EXPECT_EQ(clock_.Now(), kStart);
  loop_->RunOnce(seconds(40));
  EXPECT_EQ(clock_.Now(), kStart + seconds(40));
  EXPECT_FALSE(ran);
  loop_->RunOnce(seconds(60));
  EXPECT_TRUE(ran);
}

TEST_F(SimulatedLoopTest, ACancelledTimerNeverRunsEvenWhenCancelledByAnEarlierOne) {
  std::vector<int> ran;
  EventLoop::TimerId second = 0;
  loop_->AddTimer(kStart + seconds(5), [&] {
    ran.push_back(1);
    loop_->CancelTimer(second);
  });
  second = loop_->AddTimer(kStart + seconds(5), [&] { ran.push_back(2); });
  EventLoop::TimerId third = loop_->AddTimer(kStart + seconds(6), [&] { ran.push_back(3); });
  loop_->CancelTimer(third);
  loop_->CancelTimer(third);  // twice: ignored
  loop_->RunOnce(seconds(10));
  loop_->RunOnce(seconds(10));
  EXPECT_EQ(ran, (std::vector<int>{1}));
}

TEST_F(SimulatedLoopTest, ATimerThatReArmsItselfAtNowRunsOncePerCall) {
  int runs = 0;
  std::function<void()> again = [&] {
    ++runs;
    loop_->AddTimer(clock_.Now(), again);
  };
  loop_->AddTimer(kStart, again);
  loop_->RunOnce(Duration::zero());
  EXPECT_EQ(runs, 1);
  loop_->RunOnce(Duration::zero());
  EXPECT_EQ(runs, 2);
}

TEST_F(SimulatedLoopTest, AReadableDescriptorRunsItsCallbackWithoutMovingTime) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string got;
  loop_->WatchReadable(fds[0], [&] {
    char buf[16];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    got.append(buf, static_cast<size_t>(n > 0 ? n : 0));
    loop_->Unwatch(fds[0]);  // from inside its own callback
  });
  loop_->AddTimer(kStart + seconds(5), [] {});
  ASSERT_EQ(::write(fds[1], "hi", 2), 2);
  loop_->RunOnce(seconds(60));
  EXPECT_EQ(got, "hi");
  EXPECT_EQ(clock_.Now(), kStart) << "a ready descriptor must not let simulated time jump";
  ASSERT_EQ(::write(fds[1], "again", 5), 5);
  loop_->RunOnce(Duration::zero());
  EXPECT_EQ(got, "hi") << "an unwatched descriptor has no callback";
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(RealLoopTest, WakeFromAnotherThreadEndsALongWait) {
  auto loop = EventLoop::Create(SystemClock());
  ASSERT_TRUE(loop.ok());
  std::atomic<bool> woke{false};
  std::thread waker([&] {
    std::this_thread::sleep_for(milliseconds(50));
    woke = true;
    (*loop)->Wake();
  });
  const auto start = std::chrono::steady_clock::now();
  (*loop)->RunOnce(seconds(30));
  const auto took = std::chrono::steady_clock::now() - start;
  waker.join();
  EXPECT_TRUE(woke.load());
  EXPECT_LT(took, seconds(10));
}

TEST(RealLoopTest, ATimerEndsTheWaitWhenItIsDue) {
  auto loop = EventLoop::Create(SystemClock());
  ASSERT_TRUE(loop.ok());
  bool ran = false;
  (*loop)->AddTimer(SystemClock().Now() + milliseconds(30), [&] { ran = true; });
  const auto start = std::chrono::steady_clock::now();
  while (!ran && std::chrono::steady_clock::now() - start < seconds(10)) {
    (*loop)->RunOnce(seconds(30));
  }
  EXPECT_TRUE(ran);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(29));
}

}  // namespace
}  // namespace sluice
