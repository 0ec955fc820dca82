#include "sluice/status.h"

#include <cerrno>
#include <cstring>

namespace sluice {

Status Status::Errno(const std::string& call) {
  int err = errno;
  return Status(StatusCode::kIoError, call + ": " + std::strerror(err));
}

Status Status::WithContext(const std::string& prefix) const {
  if (ok() || code_ == StatusCode::kNoSpace || code_ == StatusCode::kCorrupt) return *this;
  return Status(code_, prefix + ": " + message_);
}

}  // namespace sluice
