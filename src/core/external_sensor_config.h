#pragma once
// The config of an `external` sensor (DESIGN.md §2 "Sensors", docs/dag-format.md "external"): the
// run of another DAG (or of its own), and optionally one of its tasks, whose state it waits for.
// One layout, written by the sensor type when a DAG file is read (operators/sensors) and read
// back by the scheduler, which wakes the sensor on that run's transitions
// (scheduler/external_waits.h): neither spells out the other's keys.

#include <optional>
#include <string>
#include <vector>

#include "sluice/clock.h"
#include "sluice/state.h"
#include "sluice/status.h"
#include "sluice/value.h"

namespace sluice {

// The type's name, the value of `sensor:`.
inline constexpr char kExternalSensorType[] = "external";

struct ExternalSensorConfig {
  std::string dag;   // the DAG whose run it waits for; may be the sensor's own
  std::string task;  // empty: it waits for the run's state, not a task's
  // The other run's logical date is the sensor's run's logical date + offset (negative: an
  // earlier run; -1d, a daily DAG's previous day).
  Duration offset{0};
  // The states it waits for: task states with a task, run states without. Never empty.
  std::vector<std::string> states = {"success"};

  bool Wants(TaskState s) const;
  bool Wants(RunState s) const;

  // {"dag", "task" (when set), "offset_ms" (when not 0), "states" (when not [success])}.
  Value ToValue() const;
  // Errors: InvalidArgument for a value of another shape.
  static Result<ExternalSensorConfig> FromValue(const Value& value);
};

// "-1d", "0s", "2h": an offset as a DAG file writes it (a duration, optionally negative).
Result<Duration> ParseOffset(const std::string& text);
std::string FormatOffset(Duration offset);

// The names a `states` list may hold, for messages: every task state, or every run state.
std::vector<std::string> TaskStateNames();
std::vector<std::string> RunStateNames();

}  // namespace sluice
