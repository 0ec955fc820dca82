#pragma once
// Helpers the built-in sensor types share to read their keys and word their details.

#include <string>
#include <string_view>
#include <vector>

#include "sluice/operator.h"

namespace sluice {

// Reports "unknown key 'KEY' in WHAT (did you mean 'X'?)" at the key, or "(use A, B or C)" when
// no key is close; `what` is e.g. "an http sensor".
void ReportUnknownSensorKey(const SpecEntry& entry, std::string_view what,
                            const std::vector<std::string>& keys, SpecDiagnostics& diags);

// The first line of `text`, trimmed, with runs of spaces and tabs as one space, and cut at
// `max` bytes with "..." (a detail is one short line).
std::string OneLine(std::string_view text, size_t max = 200);

}  // namespace sluice
