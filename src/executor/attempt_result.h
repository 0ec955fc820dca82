#pragma once
// An attempt's log file and the text of its result: the protocol between sluice-supervisor
// (which writes them) and the local executor (which reads them).
// Dependency-free on purpose: the supervisor links this and nothing else of Sluice.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// An attempt's one file is its log, named after the attempt's path P (e.g.
// $SLUICE_HOME/logs/DAG/RUN/TASK.TRY): P.log holds the task's time-stamped output, is the lock
// (flock) its supervisor holds while the attempt lives, and ends with the result line (below).
// One file and no directory per attempt: creating inodes, directories most of all, is the
// dearest part of a launch on ext4.
inline std::string AttemptLogPath(std::string_view attempt_path) {
  return std::string(attempt_path) + ".log";
}

// What the supervisor saw of the task. Times are microseconds since the Unix epoch (UTC).
struct AttemptResult {
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::optional<int> exit_code;  // set when the task exited
  std::optional<int> signal;     // set when a signal ended it
  bool timed_out = false;        // the supervisor stopped it at its timeout
  bool killed = false;           // the supervisor was asked to stop it (SIGTERM)
  std::string error;             // non-empty when the task could not run, e.g. exec failed
  // The log was cut: bytes of its lines the supervisor did not keep, because the log reached
  // its cap (log_capped) or because a write failed (log_error, e.g. "No space left on device").
  int64_t log_dropped = 0;
  bool log_capped = false;
  std::string log_error;
  bool operator==(const AttemptResult&) const = default;
};

// `key=value` fields separated by spaces, e.g. "start_us=1764000000000000 end_us=...
// exit_code=3 timed_out=0 killed=0 done=1", with `log_dropped=N log_capped=0|1 log_error=...`
// before `done` when the log was cut. Spaces, newlines and backslashes in `error` and
// `log_error` are escaped (\s, \n, \\), so the result is one line. `done=1` comes last: a reader
// that misses it has a torn line.
std::string FormatAttemptResult(const AttemptResult& result);

// The inverse of FormatAttemptResult. Unknown keys are ignored (a newer supervisor may add
// some); a missing `end_us` or `done=1`, or a malformed number fails, with a message in
// `*error`.
std::optional<AttemptResult> ParseAttemptResult(std::string_view text, std::string* error);

// The supervisor's last log line, "TIMESTAMP sluice| result: " + FormatAttemptResult(...),
// written just before it frees the lock.
inline constexpr std::string_view kResultNotePrefix = "result: ";

// The result in the last line of a log, given the log's end (its last few KiB). nullopt with
// `*error` empty when the last line is not a whole result line (the attempt's supervisor died
// before it finished); with a message when the result line is malformed.
std::optional<AttemptResult> ResultFromLogTail(std::string_view tail, std::string* error);

}  // namespace sluice
