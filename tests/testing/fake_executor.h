#pragma once
// An executor for simulated time: attempts take the duration a test scripts for them and end
// with the scripted outcome. Each attempt's end is a timer on the simulated EventLoop, so
// running the loop moves the FakeClock to the next ending and a year of schedules runs in
// milliseconds with no processes and no sleeps.

#include <map>
#include <string>
#include <vector>

#include "executor/executor.h"
#include "tests/testing/fake_clock.h"
#include "util/event_loop.h"

namespace sluice {

struct FakeAttemptScript {
  Duration duration = std::chrono::seconds(1);
  int exit_code = 0;
  // The log the supervisor would have cut: bytes not kept and the failed write's error.
  int64_t log_dropped = 0;
  std::string log_error;
};

class FakeExecutor final : public Executor {
 public:
  // Borrows both; `loop` runs on `clock` (EventLoop::CreateSimulated).
  FakeExecutor(FakeClock& clock, EventLoop& loop) : clock_(clock), loop_(loop) {}
  ~FakeExecutor() override;

  // Attempts of `task` (a task id, or "RUN_ID/TASK_ID" for one run's, which comes first): try
  // n follows scripts[n-1], the last one repeating.
  void Script(const std::string& task, std::vector<FakeAttemptScript> scripts) {
    scripts_[task] = std::move(scripts);
  }

  Result<LaunchedAttempt> Launch(const LaunchRequest& request) override;
  Status Adopt(const AdoptRequest& request) override;
  void Kill(const AttemptKey& key) override;
  std::vector<AttemptOutcome> TakeEnded() override;
  size_t Running() const override { return running_.size(); }

  // Every launch, in order.
  const std::vector<LaunchRequest>& launched() const { return launched_; }
  // Start instants of launches, parallel to launched().
  const std::vector<TimePoint>& launch_times() const { return launch_times_; }
  int max_concurrent() const { return max_concurrent_; }
  // Simulates a supervisor that died without writing a result: a later Adopt() of `key`
  // comes back lost, and its scripted ending never arrives.
  void LoseAttempt(const AttemptKey& key);
  int adopted() const { return adopted_; }

 private:
  struct Pending {
    AttemptOutcome outcome;
    EventLoop::TimerId timer = 0;
  };
  // The attempt ends with `outcome` at `when` (a timer on the loop).
  void EndAt(AttemptOutcome outcome, TimePoint when);

  FakeClock& clock_;
  EventLoop& loop_;
  std::map<std::string, std::vector<FakeAttemptScript>> scripts_;
  std::map<AttemptKey, Pending> running_;
  std::vector<AttemptOutcome> ended_now_;       // for the next TakeEnded()
  std::map<AttemptKey, AttemptOutcome> ended_;  // every outcome TakeEnded() returned, by key
  std::vector<LaunchRequest> launched_;
  std::vector<TimePoint> launch_times_;
  int max_concurrent_ = 0;
  int64_t next_pid_ = 1000;
  int adopted_ = 0;
};

}  // namespace sluice
