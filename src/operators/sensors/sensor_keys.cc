#include "operators/sensors/sensor_keys.h"

#include "util/strings.h"

namespace sluice {

void ReportUnknownSensorKey(const SpecEntry& entry, std::string_view what,
                            const std::vector<std::string>& keys, SpecDiagnostics& diags) {
  const std::string hint = ClosestMatch(entry.key.text, keys);
  std::string use;
  for (size_t i = 0; i < keys.size(); ++i) {
    use += (i == 0 ? "" : i + 1 == keys.size() ? " or " : ", ") + keys[i];
  }
  diags.Error(entry.key,
              "unknown key '" + entry.key.text + "' in " + std::string(what) + " " +
                  (hint.empty() ? "(use " + use + ")" : "(did you mean '" + hint + "'?)"));
}

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
