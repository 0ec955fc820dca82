#pragma once
// One scheduler per home: it holds an exclusive flock on $SLUICE_HOME/scheduler.lock for as long
// as it runs, which also tells commands that someone will carry out what they queue.

#include <string>

#include "control/config.h"

namespace sluice::control {

std::string SchedulerLockPath(const Config& config);

// True when a scheduler holds the lock on this home.
bool SchedulerRunning(const Config& config);

// The lock, held from Acquire until destruction (or the process's end: kill -9 releases it).
class SchedulerLock {
 public:
  // Errors: kFailedPrecondition "another scheduler is running on HOME"; kIoError when the lock
  // file cannot be opened.
  static Result<SchedulerLock> Acquire(const Config& config);

  SchedulerLock(SchedulerLock&& other) noexcept;
  SchedulerLock& operator=(SchedulerLock&& other) noexcept;
  SchedulerLock(const SchedulerLock&) = delete;
  SchedulerLock& operator=(const SchedulerLock&) = delete;
  ~SchedulerLock();

 private:
  explicit SchedulerLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace sluice::control
