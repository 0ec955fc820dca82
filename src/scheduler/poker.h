#pragma once
// The poker: where a deferred sensor's pokes run (sluice/sensor.h), beside the driver's event
// loop and never on it. The driver submits the planner's PokeActions after their commit; a
// thread of the poker's own runs them one after the other through the registered sensor types
// and posts each result to a queue under a mutex, then wakes the loop (EventLoop::Wake), whose
// next turn hands the results to the planner (Planner::OnPokeResult).
//
// One thread: a poke is a stat, a query or a request with a budget, and 10,000 sensors poking
// every 30 s are 333 pokes a second, well within one thread for file sensors; a slow poke delays
// those queued behind it (PokeContext::budget bounds it).
//
// Threading: Submit and TakeDone are called from the driver's thread; the poker's thread only
// runs pokes. In `inline` mode (tests on simulated time, where a thread would race the simulated
// clock) Submit runs the poke at once on the caller's thread.

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "scheduler/poke.h"
#include "sluice/store.h"
#include "util/event_loop.h"

namespace sluice {

class Poker {
 public:
  // Borrows `loop` (woken for each result), `connections` (handed to each poke) and `store`,
  // a connection of the poker's thread alone for `external` sensors' reads
  // (external_waits.h; null: they fail with an error); all must outlive the poker.
  Poker(EventLoop& loop, const std::map<std::string, std::string>& connections, Store* store,
        bool run_inline);
  // Stops the thread after the poke it is running; queued pokes are dropped (a restarted
  // scheduler pokes its deferred sensors again).
  ~Poker();
  Poker(const Poker&) = delete;
  Poker& operator=(const Poker&) = delete;

  void Submit(PokeRequest request);
  // The results that came back since the last call, in the order they did.
  std::vector<PokeOutcome> TakeDone();
  // Whether results wait for TakeDone.
  bool HasDone() const;
  // Drops what is queued and not yet begun, and results not yet taken: the driver reloads, and
  // its new planner asks again.
  void Forget();

 private:
  PokeOutcome RunOne(const PokeRequest& request) const;
  void Loop();

  EventLoop& loop_;
  const std::map<std::string, std::string>& connections_;
  Store* const store_;
  const bool inline_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PokeRequest> queue_;
  std::vector<PokeOutcome> done_;
  uint64_t epoch_ = 0;  // bumped by Forget: a poke begun before it is not reported
  bool stop_ = false;
  std::thread thread_;  // last: started once the rest is built
};

}  // namespace sluice
