#include "operators/sensors/sensor_keys.h"

#include "util/strings.h"

namespace sluice {

std::string OneLine(std::string_view text, size_t max) {
  std::string_view first = Trim(text);
  first = first.substr(0, std::min(first.find('\n'), first.size()));
  std::string out;
  for (char c : Trim(first)) {
    const bool space = c == ' ' || c == '\t' || c == '\r';
    if (space && !out.empty() && out.back() == ' ') continue;
    out.push_back(space ? ' ' : c);
  }
  if (out.size() > max) out = out.substr(0, max) + "...";
  return out;
}

}  // namespace sluice
