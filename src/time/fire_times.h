#pragma once
// The instants t0 < t1 < ... at which a schedule expression fires, never before `start`:
// a cron expression (in a zone), a preset (`@hourly` ... `@annually`, `@once`), or `every N`
// (start, start+N, start+2N, ...). The Timetable turns them into runs.

#include <memory>
#include <optional>
#include <string_view>

#include "sluice/clock.h"
#include "sluice/status.h"
#include "time/cron.h"
#include "time/time_zone.h"

namespace sluice {

class FireTimes {
 public:
  // Errors: "invalid cron expression '<expr>': ..." for cron text, otherwise
  // "invalid schedule '<expr>': ..." (unknown preset, bad or zero `every` interval).
  static Result<std::unique_ptr<FireTimes>> Create(std::string_view expr, const TimeZone& zone,
                                                   TimePoint start);

  // The first fire time strictly after `t`, or none.
  std::optional<TimePoint> NextAfter(TimePoint t) const;
  // The first fire time at or after `t`, or none.
  std::optional<TimePoint> FirstAtOrAfter(TimePoint t) const;
  // The last fire time at or before `t`, or none. Fast however far `t` is from `start`.
  std::optional<TimePoint> LastAtOrBefore(TimePoint t) const;

  bool once() const { return kind_ == Kind::kOnce; }
  TimePoint start() const { return start_; }

 private:
  enum class Kind { kCron, kEvery, kOnce };
  FireTimes(Kind kind, std::optional<CronExpression> cron, Duration every, const TimeZone& zone,
            TimePoint start)
      : kind_(kind), cron_(std::move(cron)), every_(every), zone_(zone), start_(start) {}
  static std::unique_ptr<FireTimes> Make(Kind kind, std::optional<CronExpression> cron,
                                         Duration every, const TimeZone& zone, TimePoint start);

  Kind kind_;
  std::optional<CronExpression> cron_;  // kCron only
  Duration every_;                      // kEvery only, > 0
  TimeZone zone_;
  TimePoint start_;
};

// The cron expression a preset stands for ("@daily" -> "0 0 * * *"), or empty for anything else
// (`@once` included: it has no cron form).
std::string_view PresetCron(std::string_view preset);

}  // namespace sluice
