#include "tests/testing/fake_executor.h"

#include <algorithm>

namespace sluice {

FakeExecutor::~FakeExecutor() {
  for (const auto& [key, r] : running_) loop_.CancelTimer(r.timer);
}

void FakeExecutor::EndAt(AttemptOutcome outcome, TimePoint when) {
  const AttemptKey key = outcome.key;
  Pending& r = running_[key];
  if (r.timer != 0) loop_.CancelTimer(r.timer);
  r.outcome = std::move(outcome);
  r.timer = loop_.AddTimer(when, [this, key] {
    auto it = running_.find(key);
    if (it == running_.end()) return;
    ended_[key] = it->second.outcome;
    ended_now_.push_back(it->second.outcome);
    running_.erase(it);
  });
}

Result<LaunchedAttempt> FakeExecutor::Launch(const LaunchRequest& request) {
  const TimePoint now = clock_.Now();
  launched_.push_back(request);
  launch_times_.push_back(now);
  FakeAttemptScript script;
  auto it = scripts_.find(request.key.run_id + "/" + request.key.task_id);
  if (it == scripts_.end()) it = scripts_.find(request.key.task_id);
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
  o.log_dropped = script.log_dropped;
  o.log_error = script.log_error;
  const TimePoint end = o.end;
  EndAt(std::move(o), end);
  max_concurrent_ = std::max(max_concurrent_, static_cast<int>(running_.size()));
  return LaunchedAttempt{next_pid_++, now, AttemptLogPath(request.attempt_path)};
}

// Like the local executor: a still-running attempt ends as scripted; one that ended while no
// scheduler watched it (its outcome was returned to the crashed one) is reported again; one
// whose supervisor is gone without a result comes back lost.
Status FakeExecutor::Adopt(const AdoptRequest& request) {
  ++adopted_;
  if (running_.count(request.key)) return Status::Ok();
  const TimePoint now = clock_.Now();
  auto it = ended_.find(request.key);
  if (it != ended_.end()) {
    EndAt(it->second, now);
    return Status::Ok();
  }
  bool launched = false;
  for (const auto& r : launched_) launched = launched || r.key == request.key;
  if (!launched) return Status::NotFound("attempt never started: " + request.attempt_path);
  AttemptOutcome lost;
  lost.key = request.key;
  lost.lost = true;
  lost.start = lost.end = now;
  EndAt(std::move(lost), now);
  return Status::Ok();
}

void FakeExecutor::LoseAttempt(const AttemptKey& key) {
  auto it = running_.find(key);
  if (it == running_.end()) return;
  loop_.CancelTimer(it->second.timer);
  running_.erase(it);
}

void FakeExecutor::Kill(const AttemptKey& key) {
  auto it = running_.find(key);
  if (it == running_.end()) return;
  AttemptOutcome o = it->second.outcome;
  o.exit_code.reset();
  o.signal = 15;
  const TimePoint now = clock_.Now();
  o.end = now;
  EndAt(std::move(o), now);
}

std::vector<AttemptOutcome> FakeExecutor::TakeEnded() {
  std::vector<AttemptOutcome> out = std::move(ended_now_);
  ended_now_.clear();
  return out;
}

}  // namespace sluice
