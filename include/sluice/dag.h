#pragma once
// The DAG model: what a DAG file (DESIGN.md §2) means once loaded and validated. Values only;
// loading lives in src/core/dag_loader.h. Every field here is already checked: task ids are
// unique, `needs` name existing tasks, there is no cycle, templates name known variables.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sluice/clock.h"
#include "sluice/value.h"

namespace sluice {

enum class RetryBackoff { kFixed, kExponential };
enum class ScheduleMode { kInterval, kTrigger };

enum class TriggerRule {
  kAllSuccess,
  kAllFailed,
  kAllDone,
  kAllSkipped,
  kOneSuccess,
  kOneFailed,
  kOneDone,
  kNoneFailed,
  kNoneFailedMinOneSuccess,
  kNoneSkipped,
  kAlways,
};

// "all_success" <-> TriggerRule::kAllSuccess, ...
const char* TriggerRuleName(TriggerRule rule);
std::optional<TriggerRule> ParseTriggerRule(const std::string& name);

// A position in a DAG file, 1-based, for `FILE:LINE:COL: error: MSG`.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  bool operator==(const SourceLocation&) const = default;
};

// A task: its kind and the kind's config, and the keys every task has whatever its kind.
struct TaskSpec {
  std::string id;
  // The name of the task's kind, a registered operator (sluice/operator.h): "run", "exec", ...
  std::string kind;
  // What the task's kind key held, as its operator validated it: for `run` the shell command (a
  // string template), for `exec` the argv (a list of string templates).
  Value config;
  std::vector<std::string> needs;  // upstream task ids, in file order, no duplicates
  TriggerRule trigger = TriggerRule::kAllSuccess;
  int retries = 0;
  Duration retry_delay = std::chrono::minutes(5);
  RetryBackoff retry_backoff = RetryBackoff::kFixed;
  std::optional<Duration> max_retry_delay;
  std::optional<Duration> timeout;
  std::map<std::string, std::string> env;  // values are templates
  std::string cwd;                         // template; empty: the DAG file's folder
  std::string pool;                        // sluice.yaml's `pools`; empty: the `default` pool
  int pool_slots = 1;                      // slots of the pool an attempt holds while it runs
  int priority = 0;                        // higher runs first
  int skip_exit_code = 99;                 // this exit code ends the attempt `skipped`
  bool depends_on_past = false;
  // How long an attempt is expected to run: one running longer alerts `on_long_running`. Unset:
  // 3x the median of the task's last 10 successful attempts, once there are 5 of them.
  std::optional<Duration> expected_duration;
  std::vector<std::string> on_failure, on_retry, on_success, on_long_running;  // notifier names
  SourceLocation location;                                                     // of the task's key
  bool operator==(const TaskSpec&) const = default;
};

struct ScheduleSpec {
  std::string expr;  // cron, preset or "every 15m"
  ScheduleMode mode = ScheduleMode::kInterval;
  bool operator==(const ScheduleSpec&) const = default;
};

struct DagSpec {
  std::string id;
  std::string description;
  std::string owner;
  std::vector<std::string> tags;
  std::optional<ScheduleSpec> schedule;  // none: manual runs only
  std::string timezone = "UTC";
  std::optional<TimePoint> start;  // required with a schedule
  std::optional<TimePoint> end;
  bool catchup = false;
  int max_active_runs = 16;
  int max_active_tasks = 16;
  // Default params. Scalars keep their YAML text; lists and maps are stored as JSON text.
  std::map<std::string, std::string> params;
  // Notifier names; on_failure, on_retry, on_success and on_long_running apply to every task.
  std::vector<std::string> on_failure, on_retry, on_success, on_sla_miss, on_long_running;
  // A run not done this long after it was due misses its SLA (alerting on_sla_miss once).
  std::optional<Duration> sla;
  std::vector<TaskSpec> tasks;  // in file order; `defaults` already applied

  std::string file;  // the file it came from
  std::string hash;  // hex hash of the canonical spec: names a DAG version

  const TaskSpec* FindTask(const std::string& task_id) const;
  // Field for field, `file` and `hash` included.
  bool operator==(const DagSpec&) const = default;
};

}  // namespace sluice
