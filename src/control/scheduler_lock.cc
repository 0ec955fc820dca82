#include "control/scheduler_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <utility>

namespace sluice::control {

std::string SchedulerLockPath(const Config& config) { return config.home + "/scheduler.lock"; }

bool SchedulerRunning(const Config& config) {
  const int fd = ::open(SchedulerLockPath(config).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  // flock locks belong to an open file: this descriptor conflicts even with a lock held by
  // another descriptor of the same process.
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

Result<SchedulerLock> SchedulerLock::Acquire(const Config& config) {
  const std::string path = SchedulerLockPath(config);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Errno("open(\"" + path + "\")");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::Precondition("another scheduler is running on " + config.home);
  }
  return SchedulerLock(fd);
}

SchedulerLock::SchedulerLock(SchedulerLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

SchedulerLock& SchedulerLock::operator=(SchedulerLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

SchedulerLock::~SchedulerLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace sluice::control
