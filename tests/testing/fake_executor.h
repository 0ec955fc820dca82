#pragma once
// An executor for simulated time: attempts take the duration a test scripts for them and end
// with the scripted outcome; Wait() moves the FakeClock to the next ending (or by max_wait), so
// a year of schedules runs in milliseconds with no processes and no sleeps.

#include <map>
#include <string>
#include <vector>

#include "executor/executor.h"
#include "tests/testing/fake_clock.h"

namespace sluice {

struct FakeAttemptScript {
  Duration duration = std::chrono::seconds(1);
  int exit_code = 0;
};

class FakeExecutor final : public Executor {
 public:
  explicit FakeExecutor(FakeClock& clock) : clock_(clock) {}

  // Attempts of `task_id`: try n follows scripts[n-1], the last one repeating.
  void Script(const std::string& task_id, std::vector<FakeAttemptScript> scripts) {
    scripts_[task_id] = std::move(scripts);
  }

  Result<LaunchedAttempt> Launch(const LaunchRequest& request) override;
  Status Adopt(const AdoptRequest& request) override;
  void Kill(const AttemptKey& key) override;
  std::vector<AttemptOutcome> Wait(Duration max_wait) override;
  void Wake() override {}
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
  struct Running {
    AttemptOutcome outcome;
  };
  FakeClock& clock_;
  std::map<std::string, std::vector<FakeAttemptScript>> scripts_;
  std::multimap<TimePoint, AttemptOutcome> running_;
  std::vector<LaunchRequest> launched_;
  std::vector<TimePoint> launch_times_;
  int max_concurrent_ = 0;
  std::map<AttemptKey, AttemptOutcome> ended_;  // every outcome Wait() returned, by key
  int64_t next_pid_ = 1000;
  int adopted_ = 0;
};

}  // namespace sluice
