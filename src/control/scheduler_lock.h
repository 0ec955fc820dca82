#pragma once
// One scheduler per database: it holds an exclusive flock on a lock file beside the SQLite file
// (`DB-scheduler.lock`, the database's path resolved through symlinks, so two homes or two
// spellings of one database share it) for as long as it runs. The lock also tells commands that
// someone will carry out what they queue. The kernel drops a flock when its holder dies, even by
// kill -9, so the next scheduler can start at once (docs/guarantees.md).

#include <string>

#include "control/config.h"

namespace sluice::control {

// The lock file of the configured database: its real path (symlinks resolved, "." and ".."
// gone) with "-scheduler.lock" appended.
std::string SchedulerLockPath(const Config& config);

// True when a scheduler holds the lock on this database. Every command that asks whether a
// scheduler is running asks this.
bool SchedulerRunning(const Config& config);

// "no scheduler is running on DB (home HOME)": how every message says so. One scheduler serves
// a database, and several homes may share one, so the database is what it names.
std::string NoSchedulerRunning(const Config& config);

// The lock, held from Acquire until destruction (or the process's end: kill -9 releases it).
class SchedulerLock {
 public:
  // Takes the lock and records in it who holds it (`pid PID on HOST, home HOME`), creating the
  // database's folder if needed. Errors: kFailedPrecondition "another scheduler (pid 12 on
  // host1, home /srv/a) is running on database /srv/db/sluice.db"; kIoError when the lock file
  // cannot be opened.
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
