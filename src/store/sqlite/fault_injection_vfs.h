#pragma once
// TEST CODE ONLY (linked into store_test, never into the store): a VFS that forwards every call
// to SQLite's default VFS and fails one chosen write, sync or truncate of a database or WAL
// file, as a full disk or a failing device would. The store runs on SQLite's own VFS; this one
// exists to check that a commit SQLite reports as failed never comes back after a crash, and
// that the store survives the error (src/store/sqlite/sqlite_fault_test.cc).
//
// Only xWrite, xSync and xTruncate on files opened as a main database or a WAL count as fault
// points, numbered from 1 since the last Arm() across every connection in the process. The
// wal-index (the -shm file, shared memory) is not a fault point: SQLite rebuilds it from the
// WAL after a crash. Not thread-safe: arm and count from one thread at a time.

#include <cstdint>

namespace sluice::sqlite::testing {

struct FaultPlan {
  // The fault point that fails; 0 fails none (count only).
  int64_t fail_at = 0;
  // Every later fault point fails too, as a disk that stays full until space is freed.
  bool sticky = false;
  // A failed write returns SQLITE_FULL after writing the first half of its bytes (a short write
  // on ENOSPC); otherwise SQLITE_IOERR_WRITE, writing nothing. Syncs and truncates fail with
  // SQLITE_IOERR_FSYNC and SQLITE_IOERR_TRUNCATE either way.
  bool disk_full = false;
};

// The VFS's name, for sqlite3_open_v2 or SqliteStoreOptions::vfs. Registers it (not as the
// default) over the default VFS on first call.
const char* FaultInjectionVfsName();

// Starts counting fault points from zero under `plan`.
void ArmFault(const FaultPlan& plan);
// No more faults; counting goes on.
void ClearFault();
// Fault points passed since the last ArmFault, failed or not.
int64_t FaultPointsSeen();
// Whether a fault point has failed since the last ArmFault.
bool FaultHit();

}  // namespace sluice::sqlite::testing
