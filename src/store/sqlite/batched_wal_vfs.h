#pragma once
// A VFS shim over SQLite's default VFS that writes each transaction's WAL frames with one
// pwrite instead of two per page.
//
// SQLite writes a WAL frame as two writes, its 24-byte header and then the page, so a turn
// that changes six pages costs twelve pwrite calls; on the scheduler's hot path those calls
// were a third of a turn's time (bench/RESULTS.md). This shim holds a WAL file's contiguous
// writes in memory and writes them at once when the commit frame's page arrives, so the
// commit's write (and its error, e.g. a full disk) still happens inside the xWrite that
// SQLite checks before it publishes the commit in the wal-index. The file's bytes, the
// locking and the shared memory are the default VFS's, so other processes that open the
// database without this shim (the sqlite3 shell) see exactly what they would otherwise.
//
// Why this is safe: readers in other processes find frames only through the wal-index
// header, which SQLite writes after the commit frame; until then no one reads the held bytes.
// Anything else done to the WAL file (a read, a sync, a truncate, a size query, a write that
// is not contiguous, closing it) first writes what is held, and so does any shared-memory
// call on any file, so the held bytes are in the file before SQLite could publish them.

#include <sqlite3.h>

namespace sluice::sqlite {

// The name of the shim over the default VFS, for sqlite3_open_v2. Registers it on first call
// (thread safe); nullptr, meaning "the default VFS", if that failed (it needs a version-3
// VFS, which unix's is).
const char* BatchedWalVfsName();

// Registers a shim named `name` (a string that lives forever) over `under`. Tests use it to
// put the shim over a VFS that watches the writes.
bool RegisterBatchedWalVfs(const char* name, sqlite3_vfs* under);

}  // namespace sluice::sqlite
