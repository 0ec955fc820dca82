#pragma once
// N slots taken in arrival order. The API computes at most a few reads at once (server.h); with
// a plain semaphore a waiting request may lose every wake-up to newer ones, so under load a few
// waited seconds while most waited milliseconds. Here each waiter holds a ticket and goes in turn.
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace sluice::api {

class FairSlots {
 public:
  explicit FairSlots(int slots) : slots_(static_cast<uint64_t>(slots < 1 ? 1 : slots)) {}
  FairSlots(const FairSlots&) = delete;
  FairSlots& operator=(const FairSlots&) = delete;

  // Waits until every earlier caller has had its slot and one is free.
  void Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    const uint64_t ticket = next_++;
    turn_.wait(lock, [&] { return ticket < released_ + slots_; });
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++released_;
    }
    turn_.notify_all();
  }

  // Tickets handed out so far: Acquire calls that have at least started to wait (for tests).
  uint64_t tickets() {
    std::lock_guard<std::mutex> lock(mu_);
    return next_;
  }

  // Holds a slot for its scope (none when constructed with null).
  class Hold {
   public:
    explicit Hold(FairSlots* slots) : slots_(slots) {
      if (slots_) slots_->Acquire();
    }
    ~Hold() {
      if (slots_) slots_->Release();
    }
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;

   private:
    FairSlots* slots_;
  };

 private:
  const uint64_t slots_;
  std::mutex mu_;
  std::condition_variable turn_;
  uint64_t next_ = 0;      // the next ticket handed out
  uint64_t released_ = 0;  // slots given back so far
};

}  // namespace sluice::api
