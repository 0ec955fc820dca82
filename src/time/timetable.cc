#include "time/timetable.h"

#include "time/fire_times.h"
#include "time/time_zone.h"

namespace sluice {

Result<Timetable> Timetable::Create(const ScheduleSpec& spec, const std::string& timezone,
                                    TimePoint start, std::optional<TimePoint> end) {
  SLUICE_ASSIGN_OR_RETURN(TimeZone zone, TimeZone::Find(timezone));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<FireTimes> fire,
                          FireTimes::Create(spec.expr, zone, start));
  return Timetable(std::move(fire), spec.mode, end);
}

Timetable::Timetable(std::unique_ptr<FireTimes> fire, ScheduleMode mode,
                     std::optional<TimePoint> end)
    : fire_(std::move(fire)), mode_(mode), end_(end) {}
Timetable::Timetable(Timetable&&) noexcept = default;
Timetable& Timetable::operator=(Timetable&&) noexcept = default;
Timetable::~Timetable() = default;

std::optional<RunWindow> Timetable::RunAt(TimePoint t) const {
  if (AfterEnd(t)) return std::nullopt;
  if (mode_ == ScheduleMode::kTrigger || fire_->once()) return RunWindow{t, t, t, t};
  std::optional<TimePoint> next = fire_->NextAfter(t);
  if (!next) return std::nullopt;
  return RunWindow{t, t, *next, *next};
}

std::optional<RunWindow> Timetable::First() const {
  std::optional<TimePoint> t0 = fire_->FirstAtOrAfter(fire_->start());
  if (!t0) return std::nullopt;
  return RunAt(*t0);
}

std::optional<RunWindow> Timetable::After(TimePoint logical_date) const {
  std::optional<TimePoint> next = fire_->NextAfter(logical_date);
  if (!next) return std::nullopt;
  return RunAt(*next);
}

std::optional<RunWindow> Timetable::LatestDue(TimePoint now) const {
  if (mode_ == ScheduleMode::kTrigger || fire_->once()) {
    // Due at its logical date: the last fire time at or before both `now` and `end`.
    TimePoint bound = end_ && *end_ < now ? *end_ : now;
    std::optional<TimePoint> t = fire_->LastAtOrBefore(bound);
    if (!t) return std::nullopt;
    return RunAt(*t);
  }
  // Run k is due at t_{k+1}: the last fire time d <= now is the latest due time, and the run
  // due then (or the last one before `end`) starts at the fire time before it.
  std::optional<TimePoint> due = fire_->LastAtOrBefore(now);
  if (!due) return std::nullopt;
  TimePoint bound = *due - Duration(1);
  if (end_ && *end_ < bound) bound = *end_;
  std::optional<TimePoint> t = fire_->LastAtOrBefore(bound);
  if (!t) return std::nullopt;
  return RunAt(*t);
}

std::optional<RunWindow> Timetable::FirstDueAtOrAfter(TimePoint t) const {
  std::optional<TimePoint> fire = fire_->FirstAtOrAfter(t);
  if (!fire) return std::nullopt;
  if (mode_ == ScheduleMode::kTrigger || fire_->once()) return RunAt(*fire);
  // The run due at `fire` began at the fire time before it; when `fire` is t0, no run is due
  // then, and the first due time at or after `t` is t1, the due time of run 0.
  std::optional<TimePoint> previous = fire_->LastAtOrBefore(*fire - Duration(1));
  return RunAt(previous ? *previous : *fire);
}

Status CheckScheduleExpression(std::string_view expr) {
  return FireTimes::Create(expr, TimeZone::Utc(), TimePoint()).status();
}

}  // namespace sluice
