#pragma once
// Instants as text. Sluice prints instants as ISO-8601 UTC with `Z`; the fraction appears only
// when it is not zero: "2025-01-02T23:30:00Z", "2026-11-23T07:38:18.123456Z".

#include <optional>
#include <string>
#include <string_view>

#include "sluice/clock.h"
#include "sluice/status.h"
#include "time/time_zone.h"

namespace sluice {

std::string FormatIsoUtc(TimePoint t);

// Reads what DAG files and flags accept for a point in time: a date `2025-01-02` (midnight in
// `zone`), a datetime `2025-01-02T09:30[:00[.ffffff]]` or with a space instead of `T` (wall time
// in `zone`; a non-existent wall time maps to the first instant after the gap, an ambiguous one
// to the earlier instant), or one with `Z` or `+HH:MM`/`-HH:MM` (taken as given).
// Error: "invalid date or time 'x' (use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or ISO-8601 with Z)".
Result<TimePoint> ParseTimePoint(std::string_view text, const TimeZone& zone);

// "YYYY-MM-DD" of the wall date of `t` in `zone` (the template variable `ds`).
std::string FormatLocalDate(TimePoint t, const TimeZone& zone);

}  // namespace sluice
