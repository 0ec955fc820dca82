#pragma once
// Helpers of the sensor tests: a task written as YAML validated by a sensor type the way the
// loader does (errors as "LINE:COL: MESSAGE", a node without a place at the `sensor` key), and
// child processes (servers) the tests start and stop.

#include <optional>
#include <string>
#include <vector>

#include "sluice/sensor.h"

namespace sluice::testing_sensors {

struct Validated {
  std::optional<Value> config;
  std::vector<std::string> errors;     // "LINE:COL: MESSAGE", in the order reported
  std::vector<std::string> templates;  // the text of each scalar declared a template
};

// Validates the task `yaml` (one flow or block mapping with a `sensor:` key) with `type`.
Validated ValidateTask(const SensorType& type, const std::string& yaml);

// Runs `argv` (no shell), waits for it and returns its exit status; its output goes to `log`
// (appended) when given.
int RunCommand(const std::vector<std::string>& argv, const std::string& log = "");

// A port on 127.0.0.1 that nothing listened on a moment ago.
int FreePort();

// True when this process runs as root (PostgreSQL then runs as `nobody`).
bool IsRoot();

}  // namespace sluice::testing_sensors
