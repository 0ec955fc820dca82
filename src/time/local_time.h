#pragma once
// Wall time in a zone to UTC instants, for the parsers and the cron engine. Internal to
// src/time: it exposes date/tz types, which the public time headers keep out of their users.

#include <date/tz.h>

#include "sluice/clock.h"
#include "time/time_zone.h"

namespace sluice {

// The instant a user means by wall time `local` in `zone` (DESIGN.md §2 DST rules): in a
// spring-forward gap, the first instant after the gap; when the wall time occurs twice, the
// earlier instant.
TimePoint ResolveLocal(const TimeZone& zone, date::local_time<Duration> local);

// Wall time of `t` in `zone`.
date::local_time<Duration> ToLocal(const TimeZone& zone, TimePoint t);

}  // namespace sluice
