#pragma once
// Starts the kernel writing the write-ahead log to disk while the scheduler keeps committing.
//
// With synchronous=NORMAL a commit only copies its frames into the page cache; the log reaches
// the disk at the next checkpoint, whose fsync of the log then waits for every frame written
// since the one before (32 MiB in a busy stretch). That wait stalled the scheduler about a
// sixth of the time in a long chain of tasks (bench/RESULTS.md). Asking the kernel to start
// writing each MiB as it fills (sync_file_range with SYNC_FILE_RANGE_WRITE: start the I/O, do
// not wait for it, no durability promise) overlaps that I/O with the scheduler's work, so the
// checkpoint's fsync finds little left to write. Durability is unchanged: it still comes from
// the checkpoint's fsyncs (and, with durability: full, from SQLite's own per-commit fsync).

#include <cstdint>
#include <string>

namespace sluice::sqlite {

class WalWriteback {
 public:
  // `wal_path` is the log (the database path plus "-wal"); `page_size` the database's.
  WalWriteback(std::string wal_path, int page_size);
  ~WalWriteback();
  WalWriteback(const WalWriteback&) = delete;
  WalWriteback& operator=(const WalWriteback&) = delete;

  // After a commit that left `pages` frames in the log: starts writing what has accumulated
  // since the last start, once that is at least kStartBytes. A log that restarted from its
  // beginning (after a checkpoint) starts over.
  void Committed(int pages);

  static constexpr int64_t kStartBytes = 1 << 20;

 private:
  std::string wal_path_;
  int64_t frame_bytes_;
  int fd_ = -1;  // opened at the first start; -1 again if that failed
  bool open_failed_ = false;
  int64_t started_ = 0;  // bytes of the log already handed to the kernel
};

}  // namespace sluice::sqlite
