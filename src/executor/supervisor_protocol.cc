#include "executor/supervisor_protocol.h"

#include <cstring>

#include "util/hash.h"

namespace sluice {

uint64_t AttemptTag(std::string_view attempt_path) { return Fnv1a64(attempt_path); }

void AppendFrame(const std::vector<std::string>& strings, std::string* out) {
  auto put = [out](uint32_t v) { out->append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(static_cast<uint32_t>(strings.size()));
  for (const auto& s : strings) {
    put(static_cast<uint32_t>(s.size()));
    out->append(s);
  }
}

bool FrameBuffer::Read(void* out, size_t size, size_t* at) const {
  if (buffer_.size() - *at < size) return false;
  std::memcpy(out, buffer_.data() + *at, size);
  *at += size;
  return true;
}

bool FrameBuffer::Next(std::vector<std::string>* out) {
  // Parsed from a cursor first: nothing is consumed until the whole frame is there.
  size_t at = pos_;
  uint32_t count = 0;
  if (!Read(&count, sizeof count, &at)) return false;
  std::vector<std::string> strings;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t len = 0;
    if (!Read(&len, sizeof len, &at) || buffer_.size() - at < len) return false;
    strings.emplace_back(buffer_.data() + at, len);
    at += len;
  }
  pos_ = at;
  if (pos_ == buffer_.size() || pos_ > (64u << 10)) {  // keep the buffer from growing forever
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  *out = std::move(strings);
  return true;
}

}  // namespace sluice
