#include "api/fair_slots.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sluice::api {
namespace {

TEST(FairSlotsTest, AtMostNHoldAtOnceAndWaitersGoInArrivalOrder) {
  FairSlots slots(2);
  slots.Acquire();
  slots.Acquire();  // both slots taken
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&, i] {
      FairSlots::Hold hold(&slots);
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
    });
    // Each waiter has its ticket before the next starts.
    while (slots.tickets() < static_cast<uint64_t>(i) + 3) std::this_thread::yield();
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(order.empty()) << "no slot was free";
  }
  // One slot free at a time: the waiters go one by one, in the order they came.
  slots.Release();
  for (auto& t : waiters) t.join();
  slots.Release();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

}  // namespace
}  // namespace sluice::api
