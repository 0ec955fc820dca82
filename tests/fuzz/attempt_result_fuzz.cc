// The end of an attempt's log from arbitrary bytes (a log is a file anyone can edit): reading
// its result line never crashes, and a result it reads is written back as a line that reads
// the same. Also the supervisor socket's frame decoder, fed the same bytes in two pieces.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "executor/attempt_result.h"
#include "executor/supervisor_protocol.h"
#include "util/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  if (auto r = sluice::ResultFromLogTail(text, &error)) {
    const std::string line =
        "2026-11-23T07:38:18.000001Z sluice| result: " + sluice::FormatAttemptResult(*r) + "\n";
    auto again = sluice::ResultFromLogTail(line, &error);
    SLUICE_CHECK(again && *again == *r, "a result read back from its own line is the same");
  }

  // Frames: whatever is decoded, encoded again, is exactly the bytes it consumed.
  sluice::FrameBuffer frames;
  const size_t half = size / 2;
  frames.Append(text.data(), half);
  std::string encoded;
  std::vector<std::string> msg;
  while (frames.Next(&msg)) sluice::AppendFrame(msg, &encoded);
  frames.Append(text.data() + half, size - half);
  while (frames.Next(&msg)) sluice::AppendFrame(msg, &encoded);
  SLUICE_CHECK(text.substr(0, encoded.size()) == encoded,
               "decoded frames encode back to the bytes they came from");
  return 0;
}
