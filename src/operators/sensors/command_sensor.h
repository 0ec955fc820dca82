#pragma once
// `sensor: command` (issue 14): met when a shell command exits 0. Unlike the other types it is
// not poked by the scheduler: its pokes are processes, run by the executor like a `run:` task's.
// In `mode: poke` (the default) one process re-runs the command every poke_every until it exits
// 0 (CommandSensorLoop); in `mode: reschedule` each poke is one short process (CommandSensorPoke)
// and the task waits `deferred` between them (src/scheduler/reschedule.cc).

#include <memory>

#include "core/sensor_config.h"
#include "sluice/operator.h"
#include "sluice/sensor.h"

namespace sluice {

// The type: its key `run` (a shell command, a template). Poke is never called (the sensor runs
// as a process); it answers kError saying so.
std::unique_ptr<const SensorType> MakeCommandSensor();

// Whether `sensor` is a command sensor (the `sensor` kind runs it as a process).
bool IsCommandSensor(const SensorConfig& sensor);

// The process of a command sensor in `mode: poke`: a small /bin/sh loop that runs the command
// (rendered for the shell, as `run:` renders it) every poke_every, doubling the wait with
// exponential backoff up to max_poke_every (and a day), and writes "poke N: exit C, next poke in
// Ws" for each run, "poke N: exit 0, met" for the last, before it exits 0. Errors: the command's
// template does not render, or a config of another shape.
Result<ProcessCommand> CommandSensorLoop(const SensorConfig& sensor,
                                         const TemplateRenderer& templates);

// One poke of a command sensor in `mode: reschedule`: `/bin/sh -c COMMAND`. Errors as
// CommandSensorLoop.
Result<ProcessCommand> CommandSensorPoke(const SensorConfig& sensor,
                                         const TemplateRenderer& templates);

}  // namespace sluice
