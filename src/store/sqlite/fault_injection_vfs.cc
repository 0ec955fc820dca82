// TEST CODE ONLY: see fault_injection_vfs.h.
#include "store/sqlite/fault_injection_vfs.h"

#include <sqlite3.h>

#include <cstdlib>
#include <mutex>

namespace sluice::sqlite::testing {
namespace {

constexpr const char* kName = "sluice-fault-injection";

struct State {
  FaultPlan plan;
  int64_t seen = 0;
  bool hit = false;
};
State& Faults() {
  static State state;
  return state;
}

// Counts one fault point; true when it must fail.
bool FailHere() {
  State& s = Faults();
  const int64_t n = ++s.seen;
  const bool fail =
      s.plan.fail_at > 0 && (n == s.plan.fail_at || (s.plan.sticky && n > s.plan.fail_at));
  if (fail) s.hit = true;
  return fail;
}

// Our file object as SQLite allocates it: the header SQLite sees, then the default VFS's own
// file object, which the forwarding methods pass on.
struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;
  bool fault_point;  // a main database or a WAL file
};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }
bool IsFaultPoint(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->fault_point; }

int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return Real(f)->pMethods->xRead(Real(f), buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  if (IsFaultPoint(f) && FailHere()) {
    if (!Faults().plan.disk_full) return SQLITE_IOERR_WRITE;
    // A short write, as write(2) makes on ENOSPC: some bytes land, the call still fails.
    if (n > 1) Real(f)->pMethods->xWrite(Real(f), buf, n / 2, off);
    return SQLITE_FULL;
  }
  return Real(f)->pMethods->xWrite(Real(f), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (IsFaultPoint(f) && FailHere()) return SQLITE_IOERR_TRUNCATE;
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (IsFaultPoint(f) && FailHere()) return SQLITE_IOERR_FSYNC;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
}
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return Real(f)->pMethods->xFetch(Real(f), off, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), off, p);
}

const sqlite3_io_methods kMethods = {3,
                                     Close,
                                     Read,
                                     Write,
                                     Truncate,
                                     Sync,
                                     FileSize,
                                     Lock,
                                     Unlock,
                                     CheckReservedLock,
                                     FileControl,
                                     SectorSize,
                                     DeviceCharacteristics,
                                     ShmMap,
                                     ShmLock,
                                     ShmBarrier,
                                     ShmUnmap,
                                     Fetch,
                                     Unfetch};

sqlite3_vfs* Under(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* ours = reinterpret_cast<FaultFile*>(file);
  ours->base.pMethods = nullptr;
  ours->real = reinterpret_cast<sqlite3_file*>(ours + 1);
  ours->fault_point = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
  const int rc = Under(vfs)->xOpen(Under(vfs), name, ours->real, flags, out_flags);
  // SQLite calls xClose only when pMethods is set; the default VFS's file is then open.
  if (ours->real->pMethods != nullptr) {
    // kMethods forwards version-3 methods (shared memory, mmap): unix's file has them all.
    if (ours->real->pMethods->iVersion < 3) std::abort();
    ours->base.pMethods = &kMethods;
  }
  return rc;
}
int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return Under(vfs)->xDelete(Under(vfs), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Under(vfs)->xAccess(Under(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return Under(vfs)->xFullPathname(Under(vfs), name, n, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) { return Under(vfs)->xDlOpen(Under(vfs), name); }
void DlError(sqlite3_vfs* vfs, int n, char* out) { Under(vfs)->xDlError(Under(vfs), n, out); }
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Under(vfs)->xDlSym(Under(vfs), handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) { Under(vfs)->xDlClose(Under(vfs), handle); }
int Randomness(sqlite3_vfs* vfs, int n, char* out) {
  return Under(vfs)->xRandomness(Under(vfs), n, out);
}
int Sleep(sqlite3_vfs* vfs, int us) { return Under(vfs)->xSleep(Under(vfs), us); }
int CurrentTime(sqlite3_vfs* vfs, double* out) { return Under(vfs)->xCurrentTime(Under(vfs), out); }
int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
  return Under(vfs)->xGetLastError(Under(vfs), n, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return Under(vfs)->xCurrentTimeInt64(Under(vfs), out);
}

int SetSystemCall(sqlite3_vfs* vfs, const char* name, sqlite3_syscall_ptr call) {
  return Under(vfs)->xSetSystemCall(Under(vfs), name, call);
}
sqlite3_syscall_ptr GetSystemCall(sqlite3_vfs* vfs, const char* name) {
  return Under(vfs)->xGetSystemCall(Under(vfs), name);
}
const char* NextSystemCall(sqlite3_vfs* vfs, const char* name) {
  return Under(vfs)->xNextSystemCall(Under(vfs), name);
}

sqlite3_vfs* Register() {
  sqlite3_vfs* under = sqlite3_vfs_find(nullptr);
  if (under == nullptr || under->iVersion < 3) std::abort();
  static sqlite3_vfs vfs{};
  vfs.iVersion = 3;
  vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + under->szOsFile;
  vfs.mxPathname = under->mxPathname;
  vfs.zName = kName;
  vfs.pAppData = under;
  vfs.xOpen = Open;
  vfs.xDelete = Delete;
  vfs.xAccess = Access;
  vfs.xFullPathname = FullPathname;
  vfs.xDlOpen = DlOpen;
  vfs.xDlError = DlError;
  vfs.xDlSym = DlSym;
  vfs.xDlClose = DlClose;
  vfs.xRandomness = Randomness;
  vfs.xSleep = Sleep;
  vfs.xCurrentTime = CurrentTime;
  vfs.xGetLastError = GetLastError;
  vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  vfs.xSetSystemCall = SetSystemCall;
  vfs.xGetSystemCall = GetSystemCall;
  vfs.xNextSystemCall = NextSystemCall;
  if (sqlite3_vfs_register(&vfs, /*makeDflt=*/0) != SQLITE_OK) std::abort();
  return &vfs;
}

}  // namespace

const char* FaultInjectionVfsName() {
  static std::once_flag once;
  std::call_once(once, [] { Register(); });
  return kName;
}

void ArmFault(const FaultPlan& plan) { Faults() = State{plan, 0, false}; }
void ClearFault() { Faults().plan = FaultPlan{}; }
int64_t FaultPointsSeen() { return Faults().seen; }
bool FaultHit() { return Faults().hit; }

}  // namespace sluice::sqlite::testing
