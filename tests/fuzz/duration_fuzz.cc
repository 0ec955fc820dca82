// Durations from arbitrary bytes: ParseDuration returns a value or a Status, and whatever it
// reads, FormatDuration writes back in a form that parses to the same value (sub-second parts
// are dropped at one second and above, by contract).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "time/duration.h"
#include "util/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Result<sluice::Duration> d = sluice::ParseDuration(text);
  if (!d.ok()) return 0;
  SLUICE_CHECK(d->count() >= 0, "durations are never negative");
  sluice::Result<sluice::Duration> back = sluice::ParseDuration(sluice::FormatDuration(*d));
  SLUICE_CHECK(back.ok(), "a formatted duration parses");
  sluice::Duration expected = *d;
  if (expected >= std::chrono::seconds(1)) {
    expected = std::chrono::duration_cast<std::chrono::seconds>(expected);
  }
  SLUICE_CHECK(*back == expected, "a duration survives formatting");
  return 0;
}
