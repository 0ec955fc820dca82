#include "time/fire_times.h"

#include <map>

#include "time/duration.h"
#include "util/strings.h"

namespace sluice {
namespace {

const std::map<std::string, std::string>& Presets() {
  static const std::map<std::string, std::string> presets = {
      {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},  {"@weekly", "0 0 * * 0"},
      {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"},
  };
  return presets;
}

Status BadSchedule(std::string_view expr, const std::string& problem) {
  return Status::Invalid("invalid schedule '" + std::string(expr) + "': " + problem);
}

}  // namespace

std::string_view PresetCron(std::string_view preset) {
  auto it = Presets().find(std::string(preset));
  return it == Presets().end() ? std::string_view() : std::string_view(it->second);
}

Result<std::unique_ptr<FireTimes>> FireTimes::Create(std::string_view expr, const TimeZone& zone,
                                                     TimePoint start) {
  std::string_view text = Trim(expr);
  if (text.empty()) {
    return BadSchedule(expr, "expected a cron expression, a preset such as @daily, or every N");
  }
  if (text == "@once") {
    return Make(Kind::kOnce, {}, {}, zone, start);
  }
  if (text[0] == '@') {
    auto it = Presets().find(std::string(text));
    if (it == Presets().end()) {
      std::vector<std::string> names = {"@once"};
      for (const auto& [name, cron] : Presets()) names.push_back(name);
      std::string hint = ClosestMatch(text, names);
      return BadSchedule(expr, "unknown preset '" + std::string(text) + "'" +
                                   (hint.empty() ? " (use @hourly, @daily, @weekly, @monthly, "
                                                   "@yearly, @annually or @once)"
                                                 : " (did you mean '" + hint + "'?)"));
    }
    SLUICE_ASSIGN_OR_RETURN(CronExpression cron, CronExpression::Parse(it->second));
    return Make(Kind::kCron, std::move(cron), {}, zone, start);
  }
  if (text == "every" || StartsWith(text, "every ") || StartsWith(text, "every\t")) {
    std::string_view interval = Trim(text.substr(5));
    if (interval.empty()) {
      return BadSchedule(expr, "expected a duration after 'every', e.g. every 15m");
    }
    Result<Duration> every = ParseDuration(interval);
    if (!every.ok()) return BadSchedule(expr, every.status().message());
    if (every->count() <= 0) return BadSchedule(expr, "the interval must be greater than zero");
    return Make(Kind::kEvery, {}, *every, zone, start);
  }
  SLUICE_ASSIGN_OR_RETURN(CronExpression cron, CronExpression::Parse(expr));
  return Make(Kind::kCron, std::move(cron), {}, zone, start);
}

std::unique_ptr<FireTimes> FireTimes::Make(Kind kind, std::optional<CronExpression> cron,
                                           Duration every, const TimeZone& zone, TimePoint start) {
  // Not make_unique: the constructor is private so that Create is the only way in.
  return std::unique_ptr<FireTimes>(new FireTimes(kind, std::move(cron), every, zone, start));
}

std::optional<TimePoint> FireTimes::NextAfter(TimePoint t) const {
  if (t < start_) return FirstAtOrAfter(start_);
  switch (kind_) {
    case Kind::kOnce:
      return std::nullopt;
    case Kind::kEvery:
      // The answer is at most t + every_; past the clock's range there is none.
      if (t > TimePoint::max() - every_) return std::nullopt;
      return start_ + ((t - start_) / every_ + 1) * every_;
    case Kind::kCron:
      return cron_->NextAfter(t, zone_);
  }
  return std::nullopt;
}

std::optional<TimePoint> FireTimes::FirstAtOrAfter(TimePoint t) const {
  if (t < start_) t = start_;
  switch (kind_) {
    case Kind::kOnce:
      return t == start_ ? std::optional(start_) : std::nullopt;
    case Kind::kEvery: {
      auto k = (t - start_) / every_;
      TimePoint at = start_ + k * every_;
      if (at == t) return at;
      if (at > TimePoint::max() - every_) return std::nullopt;
      return at + every_;
    }
    case Kind::kCron:
      return cron_->NextAfter(t - Duration(1), zone_);
  }
  return std::nullopt;
}

std::optional<TimePoint> FireTimes::LastAtOrBefore(TimePoint t) const {
  if (t < start_) return std::nullopt;
  switch (kind_) {
    case Kind::kOnce:
      return start_;
    case Kind::kEvery:
      return start_ + ((t - start_) / every_) * every_;
    case Kind::kCron:
      break;
  }
  // Cron only searches forward. Look in windows ending at `t` that grow eightfold (1 hour,
  // 8 hours, ... back to `start`) until one holds a fire time, then binary-search the last one
  // in it: a bounded number of forward searches, however dense the schedule or old the start.
  Duration window = std::chrono::hours(1);
  for (;;) {
    bool reaches_start = t - start_ <= window;
    TimePoint lo = reaches_start ? start_ - Duration(1) : t - window;
    std::optional<TimePoint> first = NextAfter(lo);
    if (first && *first <= t) {
      // Invariant: a fire time lies in (lo, t]; none lies in (hi, t].
      TimePoint hi = t;
      while (hi - lo > Duration(1)) {
        TimePoint mid = lo + (hi - lo) / 2;
        std::optional<TimePoint> next = NextAfter(mid);
        if (next && *next <= t) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      return NextAfter(lo);
    }
    if (reaches_start) return std::nullopt;
    window *= 8;
  }
}

}  // namespace sluice
