// `sensor: time` with `at: "HH:MM"` (or HH:MM:SS): met at that wall time in the DAG's zone on the
// local day its run's data interval ends. No polling: the scheduler asks when (MetAt) and arms a
// timer for it.

#include <cstdio>

#include "operators/builtin.h"
#include "time/time_format.h"
#include "time/time_zone.h"

namespace sluice {
namespace {

// "16:15" or "16:15:30" with valid hours, minutes and seconds.
bool IsWallTime(const std::string& s) {
  int h = 0;
  int m = 0;
  int sec = 0;
  char tail = 0;
  if (s.size() == 5 && std::sscanf(s.c_str(), "%2d:%2d%c", &h, &m, &tail) == 2) {
    return s[2] == ':' && h >= 0 && h < 24 && m >= 0 && m < 60;
  }
  if (s.size() == 8 && std::sscanf(s.c_str(), "%2d:%2d:%2d%c", &h, &m, &sec, &tail) == 3) {
    return s[2] == ':' && s[5] == ':' && h >= 0 && h < 24 && m >= 0 && m < 60 && sec >= 0 &&
           sec < 60;
  }
  return false;
}

class TimeSensor final : public SensorType {
 public:
  std::optional<Value> Validate(const std::vector<SpecEntry>& keys,
                                SpecDiagnostics& diags) const override {
    std::optional<std::string> at;
    bool ok = true;
    for (const SpecEntry& e : keys) {
      if (e.key.text == "at") {
        at = ReadSpecString(e, diags);
        if (at && !IsWallTime(*at)) {
          diags.Error(e.value, "invalid time '" + *at + "' (use HH:MM or HH:MM:SS, 24-hour)");
          at.reset();
        }
        ok = ok && at.has_value();
      } else {
        diags.Error(e.key, UnknownSensorKeyMessage(e.key.text, "time", {"at"}));
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    if (!at) {
      diags.Error(SpecNode{}, "a 'time' sensor needs 'at' (a wall time such as \"16:15\")");
      return std::nullopt;
    }
    return Value::FromMap({{"at", Value(*at)}});
  }

  Result<std::optional<TimePoint>> MetAt(const Value& config, const SensorRun& run) const override {
    const Value* at = config.Find("at");
    if (at == nullptr || at->AsString() == nullptr) {
      return Status::Invalid("a 'time' sensor's config has no 'at'");
    }
    SLUICE_ASSIGN_OR_RETURN(TimeZone zone, TimeZone::Find(run.timezone));
    const std::string day = FormatLocalDate(run.data_interval_end, zone);
    SLUICE_ASSIGN_OR_RETURN(TimePoint when, ParseTimePoint(day + "T" + *at->AsString(), zone));
    return std::optional<TimePoint>(when);
  }

  PokeResult Poke(const Value& config, const PokeContext& ctx) const override {
    (void)config;
    (void)ctx;
    PokeResult r;
    r.outcome = PokeResult::Outcome::kError;
    r.detail = "a 'time' sensor is a timer, not poked";
    return r;
  }

  std::string Describe(const Value& config) const override {
    const Value* at = config.Find("at");
    return at && at->AsString() ? "at " + *at->AsString() : "";
  }
};

}  // namespace

std::unique_ptr<const SensorType> MakeTimeSensor() { return std::make_unique<TimeSensor>(); }

}  // namespace sluice
