#pragma once
// Helpers the built-in sensor types share to read their keys and word their details.

#include <string>
#include <string_view>
#include <vector>

#include "sluice/operator.h"

namespace sluice {

// The first line of `text`, trimmed, with runs of spaces and tabs as one space, and cut at
// `max` bytes with "..." (a detail is one short line).
std::string OneLine(std::string_view text, size_t max = 200);

}  // namespace sluice
