// Durations from arbitrary bytes: ParseDuration returns a value or a Status, and whatever it
// reads, FormatDuration writes back in a form that parses to the same value (sub-second parts
// are dropped at one second and above, by contract).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "time/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Result<sluice::Duration> d = sluice::ParseDuration(text);
  if (!d.ok()) return 0;
  if (d->count() < 0) std::abort();
  sluice::Result<sluice::Duration> back = sluice::ParseDuration(sluice::FormatDuration(*d));
  if (!back.ok()) std::abort();
  sluice::Duration expected = *d;
  if (expected >= std::chrono::seconds(1)) {
    expected = std::chrono::duration_cast<std::chrono::seconds>(expected);
  }
  if (*back != expected) std::abort();
  return 0;
}
