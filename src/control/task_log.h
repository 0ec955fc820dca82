#pragma once
// `sluice tasks logs`: an attempt's log, whole, its last lines, or followed while the attempt
// runs; the task's text escaped for a terminal (log_escape.h) unless raw.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "control/context.h"

namespace sluice::control {

struct TaskLogRequest {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  int try_number = 0;  // 0: the last attempt
  int tail = 0;        // > 0: only the last `tail` lines; 0: the whole log
  bool follow = false;
  bool raw = false;  // the bytes as written, nothing escaped
  Duration poll_interval = std::chrono::milliseconds(200);
};

// Where the log goes and how to wait; injected so a test drives the waiting.
struct TaskLogOutput {
  std::function<void(std::string_view)> write;   // the log's text (stdout)
  std::function<void(const std::string&)> note;  // a line for the person waiting (stderr)
  std::function<void(Duration)> sleep;           // waits one poll interval
  // Asked before each wait while following: true ends the follow early (the reader left).
  std::function<bool()> stopped;
};

// Writes the attempt's log. A `mode: reschedule` command sensor's pokes are tries of their own:
// asked for no try, tail or follow, its current wait's pokes are written one after the other,
// each under a line "== try N ==". With `follow`, keeps writing what the supervisor appends until
// the attempt ends: its result line is written, or its log's lock (held by its supervisor while the
// attempt lives) is seen free twice in a row with nothing new, which means the supervisor died.
// A task with no attempt yet is waited for (a note says so); if it or its run ends before the
// attempt starts, that is the error. Errors: as FindRun/FindAttempt; kFailedPrecondition
// "the log of D/R/T try N was removed by log_retention (30d)" when the retention removed it,
// "task 'T' of run 'R' ended STATE without an attempt"; kIoError for the file.
Status ShowTaskLog(const Context& ctx, const TaskLogRequest& request, const TaskLogOutput& out);

// A part of an attempt's log, for the HTTP API: the bytes [offset, offset + length) of the file
// as they are (no escaping), or its last `tail` lines.
struct TaskLogRange {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  int try_number = 0;  // 0: the last attempt
  uint64_t offset = 0;
  uint64_t length = uint64_t{256} * 1024;
  int tail = 0;  // > 0: the last `tail` lines (at most `length` bytes of them), not `offset`
};
struct TaskLogPart {
  AttemptRecord attempt;
  uint64_t offset = 0;       // where `content` starts
  uint64_t next_offset = 0;  // where the next read starts
  uint64_t size = 0;         // of the file now
  bool complete = false;     // the attempt has ended: the file will not grow
  std::string content;
};
// Errors: as FindRun/FindAttempt; the log_retention message (kFailedPrecondition) when the
// retention removed it; kNotFound "the log of D/R/T try N does not exist yet" for an attempt
// whose supervisor has not created it; kIoError for the file.
Result<TaskLogPart> ReadTaskLogRange(const Context& ctx, const TaskLogRange& range);

// The offset where the last `lines` lines of the file begin (0 when it has fewer), read
// backwards from its end `block` bytes at a time, so a 100 MB log is not read whole. A last line
// without its newline counts as a line.
Result<uint64_t> LastLinesOffset(const std::string& path, int lines,
                                 size_t block = size_t{64} * 1024);

}  // namespace sluice::control
