// POSIX TZ rules (the footer of a zoneinfo file) from arbitrary bytes: ParsePosixTzRule returns
// a rule or a Status, and a rule's changes in any year are two instants in order, each with an
// offset the rule names.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "time/posix_tz_rule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Result<sluice::PosixTzRule> rule = sluice::ParsePosixTzRule(text);
  if (!rule.ok()) return 0;
  for (int year : {1970, 2038, 2048, 2100, 9999}) {
    auto changes = sluice::ChangesInYear(*rule, year);
    if (changes.size() != (rule->has_dst ? 2u : 0u)) std::abort();
    if (changes.size() == 2 && changes[1].at < changes[0].at) std::abort();
    for (const auto& c : changes) {
      if (c.offset != rule->std_offset && c.offset != rule->dst_offset) std::abort();
    }
  }
  return 0;
}
