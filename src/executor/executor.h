#pragma once
// The executor runs task attempts as processes. The scheduler hands it LaunchRequests, runs the
// event loop on which the executor watches what it waits for, and then takes the attempts that
// ended (TakeEnded); it never blocks on a task.
//
// The local executor runs attempts under `sluice-supervisor`, a small static program (one per
// scheduler) that puts each task in its own process group, time-stamps its stdout/stderr into
// the attempt's log, enforces the timeout (SIGTERM to the group, SIGKILL after the grace
// period) and ends the log with the outcome before it frees the log's lock. The supervisor
// outlives a crashed scheduler; a restarted one Adopt()s its attempts, so a task that finished
// is never run again.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "executor/attempt_result.h"
#include "sluice/clock.h"
#include "sluice/status.h"
#include "util/event_loop.h"

namespace sluice {

// One attempt of one task instance: (dag, run, task, map index) and its try number.
struct AttemptKey {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  int try_number = 1;
  std::optional<int> map_index;  // none: an unmapped task
  auto operator<=>(const AttemptKey&) const = default;
};

struct LaunchRequest {
  AttemptKey key;
  std::vector<std::string> argv;           // argv[0] is looked up in PATH if it has no '/'
  std::map<std::string, std::string> env;  // added to (and overriding) the scheduler's env
  std::string cwd;                         // empty: the scheduler's cwd
  std::optional<Duration> timeout;
  Duration kill_grace = std::chrono::seconds(10);  // SIGTERM -> SIGKILL
  // The cap on the task's output in its log; 0: none. Output past it is dropped and counted.
  int64_t log_max_bytes = 0;
  // Names the attempt's log, PATH.log (attempt_result.h); its folder is created if absent.
  std::string attempt_path;
};

struct LaunchedAttempt {
  int64_t pid = 0;  // of the supervisor
  TimePoint start;
  std::string log_path;
};

struct AttemptOutcome {
  AttemptKey key;
  std::optional<int> exit_code;  // the task's exit status when it exited
  std::optional<int> signal;     // the signal that ended it
  bool timed_out = false;
  bool lost = false;  // the supervisor died without a result
  std::string error;  // e.g. "exec(\"./x\"): No such file or directory"
  // The log was cut (AttemptResult): bytes not kept, and why (its cap, or a write error).
  int64_t log_dropped = 0;
  bool log_capped = false;
  std::string log_error;
  TimePoint start;  // when the task process started
  TimePoint end;    // when it ended (or was found lost)
};

// Where an earlier scheduler left a running attempt (from the store) to adopt.
struct AdoptRequest {
  AttemptKey key;
  std::string attempt_path;
};

class Executor {
 public:
  virtual ~Executor() = default;
  // Starts the attempt; fails only when the supervisor could not be started at all.
  virtual Result<LaunchedAttempt> Launch(const LaunchRequest& request) = 0;
  // Takes over an attempt from a previous scheduler: if it already ended, its outcome is
  // returned by a later TakeEnded(); if its supervisor is gone with no result, it comes back
  // lost. NotFound when the attempt was never launched (no log): the caller may start it
  // again without counting a try. Any other error: its outcome comes back lost.
  virtual Status Adopt(const AdoptRequest& request) = 0;
  // Asks the attempt to stop (SIGTERM to its group, SIGKILL after the grace period). Its
  // outcome still arrives through TakeEnded().
  virtual void Kill(const AttemptKey& key) = 0;
  // The attempts that ended since the last call, in the order their ends were learnt. The
  // executor learns of ends inside the EventLoop it was created with, so the caller runs that
  // loop and then takes what ended.
  virtual std::vector<AttemptOutcome> TakeEnded() = 0;
  virtual size_t Running() const = 0;
};

// The local process executor. `supervisor_path` is the sluice-supervisor binary, started as
// `sluice-supervisor --dir TAG_DIR --serve` at the first Launch; destroying the executor lets it
// finish what it runs and exit. `tag_dir` (e.g. $SLUICE_HOME/logs) only names its command line,
// so `pkill -f "sluice-supervisor --dir $SLUICE_HOME"` finds every supervisor of a home.
// `clock` stamps launches and lost attempts; `loop` (borrowed, must outlive the executor) is
// where it watches the supervisor's socket and re-checks adopted attempts' locks.
Result<std::unique_ptr<Executor>> CreateLocalExecutor(const std::string& supervisor_path,
                                                      Clock& clock, EventLoop& loop,
                                                      const std::string& tag_dir = "");

}  // namespace sluice
