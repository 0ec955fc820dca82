#include "store/sqlite/wal_writeback.h"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "store/sqlite/wal_format.h"

namespace sluice::sqlite {

WalWriteback::WalWriteback(std::string wal_path, int page_size)
    : wal_path_(std::move(wal_path)), frame_bytes_(kWalFrameHeaderBytes + page_size) {}

WalWriteback::~WalWriteback() {
  if (fd_ >= 0) close(fd_);
}

void WalWriteback::Committed(int pages) {
  const int64_t bytes = kWalHeaderBytes + frame_bytes_ * pages;
  if (bytes < started_) started_ = 0;  // the log restarted after a checkpoint
  if (bytes - started_ < kStartBytes || open_failed_) return;
  if (fd_ < 0) {
    // The log exists while the store's connection is open: SQLite removes it only when the
    // last connection closes. A failure costs only the head start, never a commit.
    fd_ = open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      open_failed_ = true;
      return;
    }
  }
  sync_file_range(fd_, started_, bytes - started_, SYNC_FILE_RANGE_WRITE);
  started_ = bytes;
}

}  // namespace sluice::sqlite
