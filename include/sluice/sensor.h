#pragma once
// Sensor types (DESIGN.md §2, issue 14): the conditions a `sensor: TYPE` task waits for. A
// sensor task is `deferred` while it waits: the scheduler pokes its condition every
// `poke_every`, off its event loop's hot path, and the task succeeds on the first poke that
// finds the condition met. A waiting sensor holds no executor slot, no pool slot and no process.
// (The `command` type differs: its pokes are processes, run by the executor; see
// src/operators/sensors/command_sensor.h.)
//
// A sensor type is what `file`, `sql` and `http` implement, and what a type built outside
// Sluice implements: plain values and one small interface, no third-party types. The keys every
// sensor has (`poke_every`, `poke_backoff`, `max_poke_every`, `soft_fail`, `mode`, and the
// common task keys such as `timeout`) are read by Sluice; the type reads the rest of the task's
// keys (`path`, `min_size`, `query`, `url`, ...).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sluice/clock.h"
#include "sluice/operator.h"
#include "sluice/status.h"
#include "sluice/value.h"

namespace sluice {

// What a poke may use besides its config. A plain value, valid for the duration of the call.
struct PokeContext {
  // Named connections (sluice.yaml `connections`, SLUICE_CONN_<NAME>): name -> URL, e.g.
  // "warehouse" -> "postgresql://etl:secret@127.0.0.1:5432/wh". A URL may hold a password: a
  // poke never puts it in a PokeResult (see RedactUrl in the implementation that reads them).
  const std::map<std::string, std::string>* connections = nullptr;
  // Relative paths are taken from here: the task's `cwd`, else the DAG file's folder.
  std::string base_dir;
  // The time of the poke, from the scheduler's clock (never read the clock in a poke).
  TimePoint now{};
  // A poke returns within this (a connect or request timeout); it runs on a thread of its own,
  // but a slow poke delays the pokes queued behind it.
  Duration budget = std::chrono::seconds(10);
  // What the previous poke of this task instance left in PokeResult::memo (null at the first
  // poke, and after a scheduler restart): e.g. the size and time a file was first seen at, for
  // `stable_for`.
  Value memo;
};

// What one poke found.
struct PokeResult {
  enum class Outcome {
    kMet,     // the condition holds: the task succeeds
    kNotMet,  // not yet: poke again later
    kError,   // the poke could not tell (a refused connection, a bad query): recorded, and
              // poked again later like kNotMet, until the sensor's timeout
  };
  Outcome outcome = Outcome::kNotMet;
  // For people, one line, never a secret: "2 files, 1.2 kB, unchanged for 4s of 10s",
  // "HTTP 503", "connection to 127.0.0.1:5432 refused". Shown as the last poke in `tasks list`.
  std::string detail;
  Value memo;  // handed to the next poke of this task instance (PokeContext::memo)
};

// What a sensor knows of its task instance's run, for a condition that is a moment (MetAt).
struct SensorRun {
  TimePoint data_interval_end;
  std::string timezone;  // the DAG's IANA zone ("UTC", "America/New_York")
};

// A sensor type. Implementations hold no mutable state (or guard it): one instance serves every
// task and its methods may be called from several threads at once.
class SensorType {
 public:
  virtual ~SensorType() = default;
  // Reads the task's keys that are the type's (every key but the kind key `sensor`, the common
  // task keys and the common sensor keys), in file order, and returns the type's config. Reports
  // each problem to `diags` at its node (an unknown key, a missing one, a wrong type) and declares
  // every string that is a template. Returns nullopt only after reporting at least one error.
  virtual std::optional<Value> Validate(const std::vector<SpecEntry>& keys,
                                        SpecDiagnostics& diags) const = 0;
  // One poke of `config`, as Validate returned it with every template already rendered for the
  // task instance. Must return within ctx.budget and must not throw.
  virtual PokeResult Poke(const Value& config, const PokeContext& ctx) const = 0;
  // For a condition that is a moment (`time`): when it holds for the task instance of `run`,
  // `config` rendered as for Poke. The scheduler then arms a timer for it and never pokes. The
  // default, nullopt: the condition is poked. An error fails the task with its message.
  virtual Result<std::optional<TimePoint>> MetAt(const Value& config, const SensorRun& run) const {
    (void)config;
    (void)run;
    return std::optional<TimePoint>();
  }
  // One line describing `config` for people (`sluice dags show`), never a secret.
  virtual std::string Describe(const Value& config) const = 0;
};

// The keys every sensor has, read by Sluice before the type sees the rest: "poke_every",
// "poke_backoff", "max_poke_every", "soft_fail", "mode".
const std::vector<std::string>& CommonSensorKeys();

// The message for a key the sensor type `type` does not know, worded as for any unknown key in a
// DAG file: "unknown key 'pth' (did you mean 'path'?)", the hint taken from `type_keys`, the
// common sensor keys and the common task keys; with no close key, the type's own keys: "unknown
// key 'path' (sensor: time takes at)". For a type's Validate. Thread-safe.
std::string UnknownSensorKeyMessage(const std::string& key, const std::string& type,
                                    const std::vector<std::string>& type_keys);

// Registers `type` under `name`, the value of a task's `sensor:` key. Process-wide, at start-up,
// like RegisterOperator (the built-in types are registered by RegisterBuiltinOperators). Errors:
// InvalidArgument for a name that is not [a-z][a-z0-9_]*; FailedPrecondition when the name is
// taken. Thread-safe.
Status RegisterSensorType(const std::string& name, std::unique_ptr<const SensorType> type);

}  // namespace sluice
