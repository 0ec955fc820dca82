#pragma once
// The task kinds that come with Sluice, one operator per file in this folder (README.md).

#include <memory>

#include "sluice/operator.h"
#include "sluice/sensor.h"
#include "sluice/status.h"

namespace sluice {

// Registers every built-in kind (`run`, `exec`, then `sensor`) in the process-wide registry
// (operator.h), and the built-in sensor types (`file`, `time`) in the sensor registry
// (sensor.h).
// Every program that reads DAGs calls it first thing in main: the sluice binary, the benchmarks,
// the fuzz targets, and each test binary's shared main (tests/testing/test_main.cc). Calling it
// again does nothing and returns the first call's status. Errors: a kind's name already taken
// by a kind registered before (FailedPrecondition). Thread-safe.
Status RegisterBuiltinOperators();

// The operators themselves, for programs that register a selection under their own names.
std::unique_ptr<const Operator> MakeRunOperator();     // run.cc
std::unique_ptr<const Operator> MakeExecOperator();    // exec.cc
std::unique_ptr<const Operator> MakeSensorOperator();  // sensor.cc

// The built-in sensor types (sensors/).
std::unique_ptr<const SensorType> MakeFileSensor();      // sensors/file_sensor.cc
std::unique_ptr<const SensorType> MakeTimeSensor();      // sensors/time_sensor.cc
std::unique_ptr<const SensorType> MakeExternalSensor();  // sensors/external_sensor.cc

}  // namespace sluice
