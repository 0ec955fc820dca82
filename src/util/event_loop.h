#pragma once
// The event loop of a thread that waits for several things at once: readable file descriptors
// (a supervisor's socket; later an HTTP listener, a file watcher), timers, and wake-ups from a
// signal handler. Whoever owns a descriptor or a deadline registers it here; RunOnce() waits
// for the first of them and runs the callbacks of everything that is ready. The loop owns the
// waiting, not the work: callbacks should record what happened and return.
//
// Timers are in the time of the loop's Clock. A real loop sleeps in poll(); a simulated one
// (tests) never sleeps: when nothing is ready it moves the test's clock to the next timer, so
// a year of schedules runs in milliseconds (as Envoy's simulated time system does).
//
// Threading: one thread calls everything except Wake(), which is thread-safe and
// async-signal-safe.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "sluice/clock.h"
#include "sluice/status.h"

namespace sluice {

class EventLoop {
 public:
  using Callback = std::function<void()>;
  using TimerId = uint64_t;

  // A loop that sleeps in poll() until a descriptor is ready, a timer is due or Wake() is
  // called. Borrows `clock`, which must outlive the loop.
  static Result<std::unique_ptr<EventLoop>> Create(Clock& clock);
  // A loop for simulated time: RunOnce() polls without waiting and, when nothing is ready,
  // calls `advance_to(t)` to move the test's clock to the next timer (or by `max_wait`).
  static Result<std::unique_ptr<EventLoop>> CreateSimulated(
      Clock& clock, std::function<void(TimePoint)> advance_to);

  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Clock& clock() const { return clock_; }

  // Calls `on_ready` from RunOnce() whenever `fd` is readable, hung up or in error, until
  // Unwatch(fd). One callback per descriptor; the loop never closes it.
  void WatchReadable(int fd, Callback on_ready);
  void Unwatch(int fd);

  // Calls `fn` once from a RunOnce() at or after `when`. Timers due at the same instant run
  // in the order they were added.
  TimerId AddTimer(TimePoint when, Callback fn);
  // Forgets a timer that has not run; an unknown or spent id is ignored.
  void CancelTimer(TimerId id);
  // The earliest pending timer, TimePoint::max() when none.
  TimePoint NextTimer() const;

  // Makes the current or the next RunOnce() return without waiting.
  void Wake();

  // Waits at most `max_wait` (zero: not at all) for a readable descriptor, a due timer or a
  // Wake(), then runs the callbacks of the descriptors that are ready and of the timers that
  // are due. Returns early, having run nothing, when a signal interrupts the wait.
  void RunOnce(Duration max_wait);

 private:
  EventLoop(Clock& clock, int wake_fd, std::function<void(TimePoint)> advance_to);
  void RunDueTimers();

  struct Watch {
    int fd;
    Callback on_ready;
  };
  using TimerKey = std::pair<TimePoint, TimerId>;

  Clock& clock_;
  const int wake_fd_;
  const std::function<void(TimePoint)> advance_to_;  // set: simulated time
  std::vector<Watch> watches_;
  std::map<TimerKey, Callback> timers_;
  std::unordered_map<TimerId, TimePoint> timer_due_;  // for CancelTimer
  TimerId next_timer_id_ = 1;
};

}  // namespace sluice
