#include "tests/testing/fake_executor.h"

#include <algorithm>

namespace sluice {

Result<LaunchedAttempt> FakeExecutor::Launch(const LaunchRequest& request) {
  const TimePoint now = clock_.Now();
  launched_.push_back(request);
  launch_times_.push_back(now);
  FakeAttemptScript script;
  auto it = scripts_.find(request.key.task_id);
  if (it != scripts_.end() && !it->second.empty()) {
    size_t i =
        std::min<size_t>(static_cast<size_t>(request.key.try_number) - 1, it->second.size() - 1);
    script = it->second[i];
  }
  AttemptOutcome o;
  o.key = request.key;
  o.start = now;
  if (request.timeout && *request.timeout < script.duration) {
    o.timed_out = true;
    o.signal = 15;
    o.end = now + *request.timeout;
  } else {
    o.exit_code = script.exit_code;
    o.end = now + script.duration;
  }
  running_.insert({o.end, o});
  max_concurrent_ = std::max(max_concurrent_, static_cast<int>(running_.size()));
  return LaunchedAttempt{next_pid_++, now, AttemptLogPath(request.attempt_path)};
}

// Like the local executor: a still-running attempt ends as scripted; one that ended while no
// scheduler watched it (its outcome was returned to the crashed one) is reported again; one
// whose supervisor is gone without a result comes back lost.
Status FakeExecutor::Adopt(const AdoptRequest& request) {
  ++adopted_;
  for (const auto& [t, o] : running_) {
    if (o.key == request.key) return Status::Ok();
  }
  const TimePoint now = clock_.Now();
  auto it = ended_.find(request.key);
  if (it != ended_.end()) {
    running_.insert({now, it->second});
    return Status::Ok();
  }
  bool launched = false;
  for (const auto& r : launched_) launched = launched || r.key == request.key;
  if (!launched) return Status::NotFound("attempt never started: " + request.attempt_path);
  AttemptOutcome lost;
  lost.key = request.key;
  lost.lost = true;
  lost.start = lost.end = now;
  running_.insert({now, lost});
  return Status::Ok();
}

void FakeExecutor::LoseAttempt(const AttemptKey& key) {
  for (auto it = running_.begin(); it != running_.end(); ++it) {
    if (it->second.key == key) {
      running_.erase(it);
      return;
    }
  }
}

void FakeExecutor::Kill(const AttemptKey& key) {
  for (auto it = running_.begin(); it != running_.end(); ++it) {
    if (it->second.key == key) {
      AttemptOutcome o = it->second;
      running_.erase(it);
      o.exit_code.reset();
      o.signal = 15;
      o.end = clock_.Now();
      running_.insert({o.end, o});
      return;
    }
  }
}

std::vector<AttemptOutcome> FakeExecutor::Wait(Duration max_wait) {
  std::vector<AttemptOutcome> out;
  const TimePoint now = clock_.Now();
  if (!running_.empty() && running_.begin()->first <= now + max_wait) {
    const TimePoint t = std::max(now, running_.begin()->first);
    clock_.Set(t);
    while (!running_.empty() && running_.begin()->first <= t) {
      ended_[running_.begin()->second.key] = running_.begin()->second;
      out.push_back(running_.begin()->second);
      running_.erase(running_.begin());
    }
    return out;
  }
  if (max_wait > Duration::zero()) clock_.Advance(max_wait);
  return out;
}

}  // namespace sluice
