#include "control/scheduler_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

#include "util/file.h"
#include "util/strings.h"

namespace sluice::control {
namespace {

// The database's one name: two homes may reach one file through a symlinked folder, a symlink
// to the file or a path with "..". weakly_canonical resolves what exists and keeps the rest,
// so a database not created yet has the name it will have.
std::string RealDatabasePath(const Config& config) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(config.db_path, ec);
  return ec ? config.db_path : p.string();
}

std::string HostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// What the holder wrote into the lock file; empty when unreadable.
std::string Holder(int fd) {
  char buf[512] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  return n > 0 ? std::string(Trim(std::string_view(buf, static_cast<size_t>(n)))) : "";
}

}  // namespace

std::string SchedulerLockPath(const Config& config) {
  return RealDatabasePath(config) + "-scheduler.lock";
}

std::string NoSchedulerRunning(const Config& config) {
  return "no scheduler is running on " + config.db_path + " (home " + config.home + ")";
}

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
  SLUICE_RETURN_IF_ERROR(
      MakeDirs(std::filesystem::path(RealDatabasePath(config)).parent_path().string()));
  const std::string path = SchedulerLockPath(config);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Errno("open(\"" + path + "\")");
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = Holder(fd);
    ::close(fd);
    return Status::Precondition("another scheduler" + (holder.empty() ? "" : " (" + holder + ")") +
                                " is running on database " + RealDatabasePath(config));
  }
  // Who holds it, for the message of the next one; a failure to write only loses that detail.
  const std::string holder =
      "pid " + std::to_string(::getpid()) + " on " + HostName() + ", home " + config.home + "\n";
  const bool recorded = ::ftruncate(fd, 0) == 0 && ::pwrite(fd, holder.data(), holder.size(), 0) ==
                                                       static_cast<ssize_t>(holder.size());
  static_cast<void>(recorded);
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
