#include "util/event_loop.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace sluice {

Result<std::unique_ptr<EventLoop>> EventLoop::Create(Clock& clock) {
  return CreateSimulated(clock, nullptr);
}

Result<std::unique_ptr<EventLoop>> EventLoop::CreateSimulated(
    Clock& clock, std::function<void(TimePoint)> advance_to) {
  int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) return Status::Errno("eventfd()");
  return std::unique_ptr<EventLoop>(new EventLoop(clock, wake_fd, std::move(advance_to)));
}

EventLoop::EventLoop(Clock& clock, int wake_fd, std::function<void(TimePoint)> advance_to)
    : clock_(clock), wake_fd_(wake_fd), advance_to_(std::move(advance_to)) {}

EventLoop::~EventLoop() { ::close(wake_fd_); }

void EventLoop::WatchReadable(int fd, Callback on_ready) {
  for (auto& w : watches_) {
    if (w.fd == fd) {
      w.on_ready = std::move(on_ready);
      return;
    }
  }
  watches_.push_back({fd, std::move(on_ready)});
}

void EventLoop::Unwatch(int fd) {
  watches_.erase(
      std::remove_if(watches_.begin(), watches_.end(), [fd](const Watch& w) { return w.fd == fd; }),
      watches_.end());
}

EventLoop::TimerId EventLoop::AddTimer(TimePoint when, Callback fn) {
  const TimerId id = next_timer_id_++;
  timers_.emplace(TimerKey{when, id}, std::move(fn));
  timer_due_.emplace(id, when);
  return id;
}

void EventLoop::CancelTimer(TimerId id) {
  auto it = timer_due_.find(id);
  if (it == timer_due_.end()) return;
  timers_.erase(TimerKey{it->second, id});
  timer_due_.erase(it);
}

TimePoint EventLoop::NextTimer() const {
  return timers_.empty() ? TimePoint::max() : timers_.begin()->first.first;
}

void EventLoop::Wake() {
  const uint64_t one = 1;
  ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
  (void)ignored;
}

void EventLoop::RunOnce(Duration max_wait) {
  const TimePoint now = clock_.Now();
  TimePoint deadline = max_wait > Duration::zero() ? now + max_wait : now;
  deadline = std::min(deadline, NextTimer());
  const Duration wait = std::max(Duration::zero(), deadline - now);

  std::vector<pollfd> fds;
  fds.reserve(watches_.size() + 1);
  fds.push_back({wake_fd_, POLLIN, 0});
  for (const auto& w : watches_) fds.push_back({w.fd, POLLIN, 0});
  // Simulated time never sleeps: what is not ready now is not made ready by waiting.
  const Duration real_wait = advance_to_ ? Duration::zero() : wait;
  timespec ts{static_cast<time_t>(real_wait.count() / 1000000),
              static_cast<long>(real_wait.count() % 1000000) * 1000};
  int n = ::ppoll(fds.data(), fds.size(), &ts, nullptr);
  if (n < 0) return;  // EINTR: a signal; the caller looks at why and loops
  if (n == 0 && advance_to_ && wait > Duration::zero()) advance_to_(deadline);

  if (fds[0].revents & POLLIN) {
    uint64_t count = 0;
    ssize_t ignored = ::read(wake_fd_, &count, sizeof count);
    (void)ignored;
  }
  // A callback may unwatch any descriptor (its own included), so each is looked up again and
  // run from a copy.
  for (size_t i = 1; i < fds.size(); ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    auto it = std::find_if(watches_.begin(), watches_.end(),
                           [&](const Watch& w) { return w.fd == fds[i].fd; });
    if (it == watches_.end()) continue;
    Callback cb = it->on_ready;
    cb();
  }
  RunDueTimers();
}

// Runs the timers due now. One added by a callback, even if already due, waits for the next
// RunOnce(), so a timer that re-arms itself at `now` cannot keep this call from returning.
void EventLoop::RunDueTimers() {
  const TimePoint now = clock_.Now();
  const TimerId last = next_timer_id_;
  std::vector<TimerKey> due;
  for (const auto& [key, fn] : timers_) {
    if (key.first > now) break;
    if (key.second < last) due.push_back(key);
  }
  for (const auto& key : due) {
    auto it = timers_.find(key);
    if (it == timers_.end()) continue;  // cancelled by an earlier callback
    Callback fn = std::move(it->second);
    timers_.erase(it);
    timer_due_.erase(key.second);
    fn();
  }
}

}  // namespace sluice
