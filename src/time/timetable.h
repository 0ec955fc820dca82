#pragma once
// When a DAG's runs happen (DESIGN.md §2 "Schedules", "Runs and data intervals").
// A Timetable turns a schedule expression (cron, preset, `every N`) plus mode, zone, start and end
// into the sequence of runs t0 < t1 < ...:
//   mode interval: run k has logical date t_k, data interval [t_k, t_{k+1}), due at t_{k+1}.
//   mode trigger:  run k has logical date t_k, data interval [t_k, t_k], due at t_k.
// t0 is the first fire time at or after `start`; no run has a logical date after `end`.
// `@once`: a single run with logical date `start`, interval [start, start], due at start.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/clock.h"
#include "sluice/dag.h"
#include "sluice/status.h"

namespace sluice {

struct RunWindow {
  TimePoint logical_date;
  TimePoint data_interval_start;
  TimePoint data_interval_end;
  TimePoint due;
  bool operator==(const RunWindow&) const = default;
};

class FireTimes;  // cron / preset / every: the instants t_k (time/fire_times.h)

class Timetable {
 public:
  // Errors, without location (the DAG loader adds FILE:LINE:COL), e.g.
  //   invalid cron expression '61 * * * *': minute 61 is out of range 0-59
  //   unknown time zone 'Mars/Base' (use an IANA name such as America/New_York)
  static Result<Timetable> Create(const ScheduleSpec& spec, const std::string& timezone,
                                  TimePoint start, std::optional<TimePoint> end);
  Timetable(Timetable&&) noexcept;
  Timetable& operator=(Timetable&&) noexcept;
  ~Timetable();

  // The first run, or none if there is none at all (e.g. start after end).
  std::optional<RunWindow> First() const;
  // The run that follows the run whose logical date is `logical_date`.
  std::optional<RunWindow> After(TimePoint logical_date) const;
  // The latest run whose due time is at or before `now` (catchup: false), or none.
  std::optional<RunWindow> LatestDue(TimePoint now) const;
  // The earliest run whose due time is at or after `t` (schedule preview, next_due).
  std::optional<RunWindow> FirstDueAtOrAfter(TimePoint t) const;

 private:
  Timetable(std::unique_ptr<FireTimes> fire, ScheduleMode mode, std::optional<TimePoint> end);
  // The run whose logical date is the fire time `t`, or none if it would have no due time.
  std::optional<RunWindow> RunAt(TimePoint t) const;
  bool AfterEnd(TimePoint t) const { return end_ && t > *end_; }

  std::unique_ptr<FireTimes> fire_;  // never null
  ScheduleMode mode_;
  std::optional<TimePoint> end_;
};

// Checks only the expression ("30 18 * * 1-5", "@daily", "every 15m"); same messages as Create.
Status CheckScheduleExpression(std::string_view expr);

}  // namespace sluice
