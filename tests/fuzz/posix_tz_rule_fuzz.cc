// POSIX TZ rules (the footer of a zoneinfo file) from arbitrary bytes: ParsePosixTzRule returns
// a rule or a Status, and a rule's changes in any year are two instants in order, each with an
// offset the rule names.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "time/posix_tz_rule.h"
#include "util/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::Result<sluice::PosixTzRule> rule = sluice::ParsePosixTzRule(text);
  if (!rule.ok()) return 0;
  for (int year : {1970, 2038, 2048, 2100, 9999}) {
    auto changes = sluice::ChangesInYear(*rule, year);
    SLUICE_CHECK(changes.size() == (rule->has_dst ? 2u : 0u),
                 "two changes a year with DST, else none");
    SLUICE_CHECK(changes.size() != 2 || changes[0].at <= changes[1].at, "changes come in order");
    for (const auto& c : changes) {
      SLUICE_CHECK(c.offset == rule->std_offset || c.offset == rule->dst_offset,
                   "each change is to an offset the rule names");
    }
  }
  return 0;
}
