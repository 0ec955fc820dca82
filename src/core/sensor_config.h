#pragma once
// The config of a `sensor: TYPE` task (DESIGN.md §2 "Sensors") as the `sensor` kind stores it in
// TaskSpec::config, and as the scheduler reads it back: the keys every sensor has, and the
// type's own config (what SensorType::Validate returned). One layout, written by the kind
// (src/operators/sensor.cc) and read by the scheduler, so neither spells out the other's keys.

#include <optional>
#include <string>

#include "core/template.h"
#include "sluice/clock.h"
#include "sluice/dag.h"
#include "sluice/status.h"
#include "sluice/value.h"

namespace sluice {

enum class PokeBackoff { kFixed, kExponential };
// kPoke: the scheduler pokes the condition (or, for `command`, one process runs the command
// every poke_every); kReschedule (`command` only): one short process per poke.
enum class SensorMode { kPoke, kReschedule };

struct SensorConfig {
  std::string type;  // a registered sensor type (sensor_registry.h)
  Duration poke_every = std::chrono::seconds(60);
  PokeBackoff backoff = PokeBackoff::kFixed;
  std::optional<Duration> max_poke_every;  // caps the exponential backoff
  bool soft_fail = false;                  // a timeout ends it skipped, not failed
  SensorMode mode = SensorMode::kPoke;
  Value config;  // the type's own

  // As TaskSpec::config holds it: {"type", "poke_every_ms", "poke_backoff", "max_poke_every_ms",
  // "soft_fail", "mode", "config"}, each key but "type" and "config" only when not its default.
  Value ToValue() const;
  // Errors: InvalidArgument for a value of another shape (a stored DAG version written by
  // another program).
  static Result<SensorConfig> FromValue(const Value& value);
};

// The wait after the `pokes`-th poke (1-based) before the next one: poke_every, or with
// exponential backoff poke_every * 2^(pokes-1), capped by max_poke_every when given (and by a
// day, so a long wait cannot overflow).
Duration PokeInterval(const SensorConfig& config, int pokes);

// The sensor config of `task` when the scheduler evaluates it while the task is deferred (a
// `sensor:` task whose kind runs as RunStyle::kSensor); nullopt for any other task.
std::optional<SensorConfig> DeferredSensorOf(const TaskSpec& task);

// The type's config of one task instance, each of its strings rendered as a template with `ctx`:
// a type declares its templates when it validates, and its config holds only what it read, so
// every string in it is one. Errors: InvalidArgument from a template that does not render.
Result<Value> RenderSensorConfig(const Value& type_config, const TemplateContext& ctx);

}  // namespace sluice
