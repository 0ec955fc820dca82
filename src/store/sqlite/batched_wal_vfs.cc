// The VFS shim of batched_wal_vfs.h. Every method forwards to the default VFS's file, which
// lives in the same allocation right after the shim's part; only xWrite on a WAL file holds
// bytes back, and every other method on a WAL file (and any shared-memory call) writes them
// first.
#include "store/sqlite/batched_wal_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "store/sqlite/wal_format.h"
#include "util/check.h"

namespace sluice::sqlite {
namespace {

// A frame header's bytes 4-7 are the database size in pages after the commit for the last
// frame of a transaction, and zero for the others (wal_format.h).
// The default VFS's xWrite writes at most 128 KiB - 1 bytes (it expects one page at most). A
// transaction larger than this (a migration, a big DAG version) is written in pieces.
constexpr size_t kMaxHeldBytes = size_t{64} * 1024;

struct ShimFile {
  sqlite3_file base;   // pMethods: kShimMethods, or nullptr if the open failed
  sqlite3_file* real;  // the default VFS's file, right after this struct
  bool is_wal;
  bool commit_page_next;  // the last write was the header of a commit frame
  sqlite3_int64 end;      // the end of the log's bytes written or held since its header
  char* held;             // bytes not yet written, for [held_offset, held_offset + held_size)
  size_t held_size;
  sqlite3_int64 held_offset;
  ShimFile* next_holding;  // this thread's WAL files that hold bytes
};

// WAL files with held bytes, per thread: a connection is used by one thread at a time, and
// the shared-memory call that could publish a commit comes from the thread that wrote it.
thread_local ShimFile* holding = nullptr;

sqlite3_vfs* RealVfs(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
ShimFile* Shim(sqlite3_file* file) { return reinterpret_cast<ShimFile*>(file); }

void StopHolding(ShimFile* f) {
  for (ShimFile** p = &holding; *p != nullptr; p = &(*p)->next_holding) {
    if (*p == f) {
      *p = f->next_holding;
      break;
    }
  }
  f->next_holding = nullptr;
}

// Writes what `f` holds. On failure the bytes stay held and every later call on the log tries
// again and fails the same way, so SQLite cannot go on (commit) as if they were in the file.
int WriteHeld(ShimFile* f) {
  if (f->held_size == 0) return SQLITE_OK;
  const int rc =
      f->real->pMethods->xWrite(f->real, f->held, static_cast<int>(f->held_size), f->held_offset);
  if (rc != SQLITE_OK) return rc;
  f->held_size = 0;
  StopHolding(f);
  return SQLITE_OK;
}

// Before any shared-memory call: nothing this thread holds may be published unwritten.
int WriteAllHeld() {
  int rc = SQLITE_OK;
  for (ShimFile* f = holding; f != nullptr;) {
    ShimFile* next = f->next_holding;
    const int one = WriteHeld(f);
    if (rc == SQLITE_OK) rc = one;
    f = next;
  }
  return rc;
}

bool Hold(ShimFile* f, const void* data, size_t size, sqlite3_int64 offset) {
  if (f->held == nullptr) {
    f->held = static_cast<char*>(std::malloc(kMaxHeldBytes));
    if (f->held == nullptr) return false;
  }
  if (f->held_size == 0) {
    f->held_offset = offset;
    f->next_holding = holding;
    holding = f;
  }
  std::memcpy(f->held + f->held_size, data, size);
  f->held_size += size;
  return true;
}

bool IsCommitFrameHeader(const void* data, int size, sqlite3_int64 offset) {
  if (size != kWalFrameHeaderBytes || offset < kWalHeaderBytes) return false;
  const auto* b = static_cast<const unsigned char*>(data);
  return (b[4] | b[5] | b[6] | b[7]) != 0;
}

int ShimWrite(sqlite3_file* file, const void* data, int size, sqlite3_int64 offset) {
  ShimFile* f = Shim(file);
  if (!f->is_wal) return f->real->pMethods->xWrite(f->real, data, size, offset);
  // This write is the page of a commit frame: the commit is complete once it is written, here,
  // whatever else happens to what is held first.
  const bool completes_commit = f->commit_page_next;
  f->commit_page_next = false;
  if (offset == 0) f->end = 0;  // the log starts again with its header
  const auto usize = static_cast<size_t>(size);
  const sqlite3_int64 write_end = offset + size;
  // Only appends are held. A write over bytes already written (SQLite rewriting a frame or the
  // checksums of frames of this transaction) goes straight to the file, after what is held.
  const bool append = offset >= f->end;
  f->end = std::max(f->end, write_end);
  const bool contiguous =
      f->held_size == 0 || offset == f->held_offset + static_cast<sqlite3_int64>(f->held_size);
  if (!append || !contiguous || f->held_size + usize > kMaxHeldBytes) {
    if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
  }
  if (!append || usize > kMaxHeldBytes || !Hold(f, data, usize, offset)) {
    return f->real->pMethods->xWrite(f->real, data, size, offset);
  }
  if (completes_commit) return WriteHeld(f);
  f->commit_page_next = IsCommitFrameHeader(data, size, offset);
  return SQLITE_OK;
}

// Every other method: write what is held, then forward.
int ShimClose(sqlite3_file* file) {
  ShimFile* f = Shim(file);
  const int rc = WriteHeld(f);
  // Closed with bytes that could not be written: they go with it (SQLite reports the error).
  StopHolding(f);
  f->held_size = 0;
  std::free(f->held);
  f->held = nullptr;
  const int closed = f->real->pMethods->xClose(f->real);
  return rc != SQLITE_OK ? rc : closed;
}

int ShimRead(sqlite3_file* file, void* data, int size, sqlite3_int64 offset) {
  ShimFile* f = Shim(file);
  if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, data, size, offset);
}

int ShimTruncate(sqlite3_file* file, sqlite3_int64 size) {
  ShimFile* f = Shim(file);
  if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int ShimSync(sqlite3_file* file, int flags) {
  ShimFile* f = Shim(file);
  if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xSync(f->real, flags);
}

int ShimFileSize(sqlite3_file* file, sqlite3_int64* size) {
  ShimFile* f = Shim(file);
  if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

int ShimLock(sqlite3_file* file, int level) {
  ShimFile* f = Shim(file);
  return f->real->pMethods->xLock(f->real, level);
}

int ShimUnlock(sqlite3_file* file, int level) {
  ShimFile* f = Shim(file);
  return f->real->pMethods->xUnlock(f->real, level);
}

int ShimCheckReservedLock(sqlite3_file* file, int* out) {
  ShimFile* f = Shim(file);
  return f->real->pMethods->xCheckReservedLock(f->real, out);
}

int ShimFileControl(sqlite3_file* file, int op, void* arg) {
  ShimFile* f = Shim(file);
  if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}

int ShimSectorSize(sqlite3_file* file) {
  ShimFile* f = Shim(file);
  return f->real->pMethods->xSectorSize(f->real);
}

int ShimDeviceCharacteristics(sqlite3_file* file) {
  ShimFile* f = Shim(file);
  return f->real->pMethods->xDeviceCharacteristics(f->real);
}

int ShimShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  if (int rc = WriteAllHeld(); rc != SQLITE_OK) return rc;
  ShimFile* f = Shim(file);
  return f->real->pMethods->xShmMap(f->real, region, size, extend, out);
}

int ShimShmLock(sqlite3_file* file, int offset, int n, int flags) {
  const int rc = WriteAllHeld();
  ShimFile* f = Shim(file);
  // An unlock always happens: SQLite ignores its result, so skipping it would leave the lock
  // held. What could not be written stays held and fails the next call on the log.
  if (rc != SQLITE_OK && (flags & SQLITE_SHM_UNLOCK) == 0) return rc;
  return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

void ShimShmBarrier(sqlite3_file* file) {
  // SQLite publishes a commit right after this barrier and cannot be told that it failed.
  // A commit's frames are written in the xWrite of its last page, so bytes are held here only
  // if a commit frame went unrecognised (a future SQLite writing frames another way); a
  // process that stops here loses only that commit (recovery rebuilds the wal-index from the
  // frames in the file), whereas going on would publish frames that are not in it.
  const int written = WriteAllHeld();
  SLUICE_CHECK(written == SQLITE_OK,
               "a commit is published only with all of its frames in the WAL");
  ShimFile* f = Shim(file);
  f->real->pMethods->xShmBarrier(f->real);
}

int ShimShmUnmap(sqlite3_file* file, int delete_flag) {
  // Unmapping always happens (SQLite ignores the result, on its way to closing).
  WriteAllHeld();
  ShimFile* f = Shim(file);
  return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}

int ShimFetch(sqlite3_file* file, sqlite3_int64 offset, int size, void** out) {
  ShimFile* f = Shim(file);
  return f->real->pMethods->xFetch(f->real, offset, size, out);
}

int ShimUnfetch(sqlite3_file* file, sqlite3_int64 offset, void* p) {
  ShimFile* f = Shim(file);
  return f->real->pMethods->xUnfetch(f->real, offset, p);
}

const sqlite3_io_methods kShimMethods = {
    3,
    ShimClose,
    ShimRead,
    ShimWrite,
    ShimTruncate,
    ShimSync,
    ShimFileSize,
    ShimLock,
    ShimUnlock,
    ShimCheckReservedLock,
    ShimFileControl,
    ShimSectorSize,
    ShimDeviceCharacteristics,
    ShimShmMap,
    ShimShmLock,
    ShimShmBarrier,
    ShimShmUnmap,
    ShimFetch,
    ShimUnfetch,
};

int ShimOpen(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
             int* out_flags) {
  auto* f = Shim(file);
  std::memset(f, 0, sizeof(*f));
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
  sqlite3_vfs* real = RealVfs(vfs);
  const int rc = real->xOpen(real, name, f->real, flags, out_flags);
  // SQLite calls xClose whenever pMethods is set, also after a failed open.
  f->base.pMethods = f->real->pMethods != nullptr ? &kShimMethods : nullptr;
  return rc;
}

// The rest of the VFS is the default one's.
int ShimDelete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return RealVfs(vfs)->xDelete(RealVfs(vfs), name, sync_dir);
}
int ShimAccess(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return RealVfs(vfs)->xAccess(RealVfs(vfs), name, flags, out);
}
int ShimFullPathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return RealVfs(vfs)->xFullPathname(RealVfs(vfs), name, size, out);
}
void* ShimDlOpen(sqlite3_vfs* vfs, const char* name) {
  return RealVfs(vfs)->xDlOpen(RealVfs(vfs), name);
}
void ShimDlError(sqlite3_vfs* vfs, int size, char* out) {
  RealVfs(vfs)->xDlError(RealVfs(vfs), size, out);
}
void (*ShimDlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return RealVfs(vfs)->xDlSym(RealVfs(vfs), handle, symbol);
}
void ShimDlClose(sqlite3_vfs* vfs, void* handle) { RealVfs(vfs)->xDlClose(RealVfs(vfs), handle); }
int ShimRandomness(sqlite3_vfs* vfs, int size, char* out) {
  return RealVfs(vfs)->xRandomness(RealVfs(vfs), size, out);
}
int ShimSleep(sqlite3_vfs* vfs, int microseconds) {
  return RealVfs(vfs)->xSleep(RealVfs(vfs), microseconds);
}
int ShimCurrentTime(sqlite3_vfs* vfs, double* out) {
  return RealVfs(vfs)->xCurrentTime(RealVfs(vfs), out);
}
int ShimGetLastError(sqlite3_vfs* vfs, int size, char* out) {
  return RealVfs(vfs)->xGetLastError(RealVfs(vfs), size, out);
}
int ShimCurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return RealVfs(vfs)->xCurrentTimeInt64(RealVfs(vfs), out);
}
int ShimSetSystemCall(sqlite3_vfs* vfs, const char* name, sqlite3_syscall_ptr call) {
  return RealVfs(vfs)->xSetSystemCall(RealVfs(vfs), name, call);
}
sqlite3_syscall_ptr ShimGetSystemCall(sqlite3_vfs* vfs, const char* name) {
  return RealVfs(vfs)->xGetSystemCall(RealVfs(vfs), name);
}
const char* ShimNextSystemCall(sqlite3_vfs* vfs, const char* name) {
  return RealVfs(vfs)->xNextSystemCall(RealVfs(vfs), name);
}

}  // namespace

bool RegisterBatchedWalVfs(const char* name, sqlite3_vfs* under) {
  // The shim forwards every method of a version-3 VFS and of version-3 files (unix's).
  if (under == nullptr || under->iVersion < 3) return false;
  // A registered VFS must outlive every connection that uses it: this one lives forever.
  auto* vfs = new sqlite3_vfs{};
  vfs->iVersion = 3;
  vfs->szOsFile = static_cast<int>(sizeof(ShimFile)) + under->szOsFile;
  vfs->mxPathname = under->mxPathname;
  vfs->zName = name;
  vfs->pAppData = under;
  vfs->xOpen = ShimOpen;
  vfs->xDelete = ShimDelete;
  vfs->xAccess = ShimAccess;
  vfs->xFullPathname = ShimFullPathname;
  vfs->xDlOpen = ShimDlOpen;
  vfs->xDlError = ShimDlError;
  vfs->xDlSym = ShimDlSym;
  vfs->xDlClose = ShimDlClose;
  vfs->xRandomness = ShimRandomness;
  vfs->xSleep = ShimSleep;
  vfs->xCurrentTime = ShimCurrentTime;
  vfs->xGetLastError = ShimGetLastError;
  vfs->xCurrentTimeInt64 = ShimCurrentTimeInt64;
  vfs->xSetSystemCall = ShimSetSystemCall;
  vfs->xGetSystemCall = ShimGetSystemCall;
  vfs->xNextSystemCall = ShimNextSystemCall;
  if (sqlite3_vfs_register(vfs, /*makeDflt=*/0) == SQLITE_OK) return true;
  delete vfs;
  return false;
}

const char* BatchedWalVfsName() {
  static constexpr const char* kName = "sluice-batched-wal";
  static const bool registered = RegisterBatchedWalVfs(kName, sqlite3_vfs_find(nullptr));
  return registered ? kName : nullptr;
}

}  // namespace sluice::sqlite
