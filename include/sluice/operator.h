#pragma once
// Task kinds as operators (DESIGN.md §2 "Task keys"). A task is its common keys (`needs`,
// `trigger`, `retries`, `timeout`, `env`, `cwd`, `pool`, ...) plus exactly one kind key whose
// name is the kind, e.g. `run: ./step.sh` or `exec: [ls, -l]` (a kind may also read the task's
// other keys: reads_other_keys). Each kind is an Operator,
// registered under that name. When a DAG file is loaded the operator reads what its key holds
// and turns it into the kind's config (a Value, stored with the DAG's version); for each
// attempt it turns that config into what the executor runs.
//
// This is what a kind built outside Sluice implements: plain value types and two small
// interfaces, no third-party types. The built-in kinds (`run`, `exec`) are written against it
// in src/operators/, which also says how to add one.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/clock.h"
#include "sluice/status.h"
#include "sluice/value.h"

namespace sluice {

struct SpecEntry;

// One YAML value of a DAG file as an operator sees it while validating: its shape, its text
// and where it is. A plain value: a copy made by the loader that owns its children and refers to
// nothing else, so an operator may keep parts of it.
struct SpecNode {
  enum class Type { kNull, kScalar, kList, kMap };
  Type type = Type::kNull;
  // kScalar: the value as YAML reads it (quotes and escapes removed). A YAML scalar has no type
  // of its own: `3`, `true` and `x` are all text here; the operator decides what it accepts.
  std::string text;
  // kScalar: written in quotes, so meant as a string even when it reads `3` or `true`.
  bool quoted = false;
  std::vector<SpecNode> items;     // kList, in file order
  std::vector<SpecEntry> entries;  // kMap, in file order; keys are scalars and unique
  // 1-based position of the node's first character; 0 when YAML gives none (some null values:
  // errors about them are best reported at the entry's key).
  int line = 0;
  int column = 0;
};

// A `key: value` pair of a mapping; for the kind key of a task, `key.text` is the kind's name.
struct SpecEntry {
  SpecNode key;  // a scalar
  SpecNode value;
};

// Where an operator reports what it finds while validating. Implemented by the loader; valid
// for the duration of the Operator::Validate call it is passed to, on that call's thread.
class SpecDiagnostics {
 public:
  virtual ~SpecDiagnostics() = default;
  // Reports `message` at `node` (printed as `FILE:LINE:COL: error: MESSAGE`; a node without a
  // position is reported at the kind key). A message names the problem and the fix, e.g.
  // "'exec' is empty (give the program and its arguments)". Any error makes the file invalid.
  virtual void Error(const SpecNode& node, std::string message) = 0;
  // Declares the scalar `node` a template (DESIGN.md §2 "Templates"): once the whole DAG is
  // read, the loader checks its `{{ name }}`s against the DAG's variables and params and reports
  // each problem at its place inside the string. Only strings declared here are checked, and a
  // template that was not checked may fail its attempts. A node that is not a scalar is
  // ignored.
  virtual void Template(const SpecNode& node) = 0;
};

// Readers for the common shapes, reporting wrong types with the messages the built-in task keys
// use. Each returns nullopt after reporting an error to `diags`. Thread-safe (no state).
// Any scalar, as text: "'KEY' must be a string" (at the key when the value is null).
std::optional<std::string> ReadSpecString(const SpecEntry& entry, SpecDiagnostics& diags);
// A list of scalars: "'KEY' must be a list of WHAT" at each item that is not a scalar, or at
// the value (the key when null) when it is not a list; e.g. `what` = "strings (the argv)".
std::optional<std::vector<std::string>> ReadSpecStringList(const SpecEntry& entry,
                                                           std::string_view what,
                                                           SpecDiagnostics& diags);
// A duration as the common keys read it (`45s`, `5m`, `1h30m`, a number of seconds): "'KEY' must
// be a duration such as 45s, ...", or the parser's "invalid duration '5x' (...)".
std::optional<Duration> ReadSpecDuration(const SpecEntry& entry, SpecDiagnostics& diags);
// true or false, unquoted: "'KEY' must be true or false".
std::optional<bool> ReadSpecBool(const SpecEntry& entry, SpecDiagnostics& diags);
// An unquoted integer at least `min`: "'KEY' must be an integer", "'KEY' must be at least MIN".
std::optional<int64_t> ReadSpecInt(const SpecEntry& entry, int64_t min, SpecDiagnostics& diags);

// Renders templates for one attempt of one task: every variable of DESIGN.md §2 "Templates"
// (`ds`, `run_id`, `task_id`, `try_number`, `params.NAME`, ...) has its value for that attempt.
// Implemented by Sluice; valid for the duration of the call it is passed to.
class TemplateRenderer {
 public:
  virtual ~TemplateRenderer() = default;
  // `text` with each `{{ name }}` replaced by its value. Errors: InvalidArgument naming the
  // problem (a bad expression, an unknown variable), which validation rules out for every
  // string the operator declared a template.
  virtual Result<std::string> Render(std::string_view text) const = 0;
  // As Render, for text a shell will parse (`/bin/sh -c`): each value is quoted for where it
  // goes (a word of its own, inside '...' or "..."), so a value (a `--param`) never runs as
  // code; `{{ name | raw }}` inserts a value from the DAG file unquoted (one given at trigger
  // time is quoted anyway). Also an error for a value where no quoting holds (a comment, a
  // here-document, backquotes).
  virtual Result<std::string> RenderForShell(std::string_view text) const = 0;
};

// What the executor starts for one attempt: a process. A plain value.
struct ProcessCommand {
  // The program and its arguments, not empty; argv[0] is looked up in the task's PATH when it
  // has no '/'. No shell is involved unless argv asks for one.
  std::vector<std::string> argv;
  // Added to the attempt's environment (which already has SLUICE_DS, ...); the task's own `env`
  // key wins over these.
  std::map<std::string, std::string> env;
  // Working directory; empty: the task's `cwd` key, else the DAG file's folder. A relative one
  // is taken from the DAG file's folder. The task's `cwd` key wins over this.
  std::string cwd;
};

// How the scheduler runs the tasks of a kind: as a process (BuildCommand); for a sensor
// (sluice/sensor.h), by poking its condition from the scheduler while the task is `deferred`;
// or, for a sensor in `mode: reschedule`, `deferred` between pokes with each poke one process
// (BuildCommand), dispatched like a task's attempt.
enum class RunStyle { kProcess, kSensor, kRescheduled };

// A task kind. Implementations hold no mutable state (or guard it): one instance serves every
// DAG and every attempt, and its methods may be called from several threads at once.
class Operator {
 public:
  virtual ~Operator() = default;

  // Reads `entry`, the kind key of one task (or of `defaults`) as written, e.g. the key `exec`
  // and the list `[ls, "{{ ds }}"]`, and returns the kind's config. Reports every problem to
  // `diags` at its node and declares every string that is a template. Returns nullopt only
  // after reporting at least one error.
  virtual std::optional<Value> Validate(const SpecEntry& entry, SpecDiagnostics& diags) const = 0;

  // Whether the kind reads keys of the task beside its kind key: every key that is neither the
  // kind key nor a common task key (a sensor's `path`, `poke_every`, ...). False (the default):
  // such a key is an unknown key, and the kind's options go inside its key's value. True: the
  // loader calls ValidateWithKeys instead of Validate, and an unknown key is the kind's to
  // report. Such keys are not accepted under `defaults`.
  virtual bool reads_other_keys() const { return false; }
  // As Validate, with the task's other keys in file order (see reads_other_keys).
  virtual std::optional<Value> ValidateWithKeys(const SpecEntry& entry,
                                                const std::vector<SpecEntry>& other_keys,
                                                SpecDiagnostics& diags) const {
    (void)other_keys;
    return Validate(entry, diags);
  }

  // Which of the run methods below the scheduler calls for a task with `config`.
  virtual RunStyle run_style(const Value& config) const {
    (void)config;
    return RunStyle::kProcess;
  }

  // RunStyle::kProcess (and each poke of kRescheduled): what to start for one attempt of a task
  // with `config` (as Validate returned it; possibly read back from a stored DAG version),
  // rendering its templates with `templates`. An error (a template that does not render, a config
  // of the wrong shape) fails the attempt with the error's message.
  virtual Result<ProcessCommand> BuildCommand(const Value& config,
                                              const TemplateRenderer& templates) const = 0;

  // One line describing `config` for people, e.g. the shell command (`sluice dags show`).
  virtual std::string Describe(const Value& config) const = 0;
};

// Registers `op` as the kind named `kind`, which is also the key that selects it in a task.
// Kinds are process-wide: register them at start-up, before any DAG file or stored DAG version
// is read (until then a task of the kind is an error: unknown key, or unknown kind). The
// registry owns `op` until the process ends. Errors: InvalidArgument when `kind` is not a
// lower-case name ([a-z][a-z0-9_]*, at most 64 characters) or is taken by a common task key or
// a field of a task's JSON (`id`, `kind`, `location`); FailedPrecondition when the kind is
// already registered. Thread-safe.
Status RegisterOperator(const std::string& kind, std::unique_ptr<const Operator> op);

}  // namespace sluice
