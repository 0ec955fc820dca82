#pragma once
// The files of an attempt and the text format of its result file: the protocol between
// sluice-supervisor (which writes them) and the local executor (which reads them).
// Dependency-free on purpose: the supervisor links this and nothing else of Sluice.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// An attempt's files are named after its path P (e.g. $SLUICE_HOME/logs/DAG/RUN/TASK.TRY):
// P.log holds the task's time-stamped output and is also the lock (flock) its supervisor holds
// while the attempt lives; P.result is written last and ends with done=1. Two files and no
// directory per attempt: creating inodes, directories most of all, is the dearest part of a
// launch on ext4.
inline std::string AttemptLogPath(std::string_view attempt_path) {
  return std::string(attempt_path) + ".log";
}
inline std::string AttemptResultPath(std::string_view attempt_path) {
  return std::string(attempt_path) + ".result";
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
  bool operator==(const AttemptResult&) const = default;
};

// `key=value` lines, e.g. "start_us=1764000000000000\nexit_code=3\n...\ndone=1\n". Newlines and
// backslashes in `error` are escaped, so every field is one line. The last line, `done=1`,
// lets the file be written in place (no rename): a reader that misses it has a torn file.
std::string FormatAttemptResult(const AttemptResult& result);

// The inverse of FormatAttemptResult. Unknown keys are ignored (a newer supervisor may add
// some); a missing `end_us` or `done=1`, or a malformed number fails, with a message in
// `*error`.
std::optional<AttemptResult> ParseAttemptResult(std::string_view text, std::string* error);

}  // namespace sluice
