#pragma once
// Durations as DAG files write them: `45s`, `5m`, `2h`, `1d`, `1h30m`, or a bare number of
// seconds. Zero is allowed; negative or empty is not.

#include <string>
#include <string_view>

#include "sluice/clock.h"
#include "sluice/status.h"

namespace sluice {

// Error message (no location; the caller adds it):
//   invalid duration '5x' (use e.g. 45s, 5m, 2h, 1d, 1h30m or a number of seconds)
Result<Duration> ParseDuration(std::string_view text);

// The shortest form ParseDuration reads back: "1h30m", "45s", "0s". Sub-second parts are
// dropped unless the duration is below one second ("250ms").
std::string FormatDuration(Duration d);

}  // namespace sluice
