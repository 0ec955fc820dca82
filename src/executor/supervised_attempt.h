#pragma once
// One task attempt inside sluice-supervisor: its process group, its time-stamped log (which
// is also its lock), its timeout, and the result it leaves behind. The supervisor's event loop
// (supervisor_main.cc) owns many of these and feeds them what it sees: readable pipes, the
// task's exit, the clock.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "executor/attempt_result.h"
#include "executor/log_lines.h"

namespace sluice {

struct AttemptSpec {
  std::string path;  // names PATH.log; the folder is created if absent
  std::optional<int64_t> timeout_ms;
  int64_t grace_ms = 10000;       // SIGTERM -> SIGKILL
  std::string cwd;                // empty: the supervisor's
  std::vector<std::string> argv;  // argv[0] looked up in PATH if it has no '/'
  std::vector<std::string> env;   // the task's whole environment, NAME=value
  int64_t log_max_bytes = 0;      // of the task's output lines in the log; 0: no cap
};

// Once, before any attempt: notes the supervisor's pid, opens /dev/null for the tasks' stdin,
// and raises the supervisor's own open-files limit (it holds three descriptors per running
// attempt); tasks are started with the limit found here.
void SetUpSupervisorProcess();

class SupervisedAttempt {
 public:
  explicit SupervisedAttempt(AttemptSpec spec) : spec_(std::move(spec)) {}
  ~SupervisedAttempt();
  SupervisedAttempt(const SupervisedAttempt&) = delete;
  SupervisedAttempt& operator=(const SupervisedAttempt&) = delete;

  // Creates (or opens) and locks the log. False: the attempt is over (Finishable()) with the
  // reason as its error; when the lock was someone else's it also leaves their files alone.
  bool OpenLog();
  // Frees the lock and leaves no trace of the attempt: for a launch whose scheduler is gone,
  // which a later scheduler will start itself.
  void Abandon();
  // Starts the task, after OpenLog. When that fails the attempt is over (Finishable()).
  void StartTask(int64_t now_mono_us);

  // Ends the attempt before it started, e.g. on a malformed request: it only reports `error`.
  void Fail(const std::string& error);

  const std::string& path() const { return spec_.path; }
  pid_t task_pid() const { return task_; }
  // The task's stdout (0) and stderr (1) pipes, -1 once closed.
  int stream_fd(int i) const { return streams_[i].fd; }

  void OnReadable(int stream);
  // The task (the group leader) has ended and is a zombie, not yet reaped: its group is
  // SIGKILLed while its pid cannot be reused, then it is reaped.
  void OnTaskExit(int64_t now_mono_us);
  // SIGTERM to the group now, SIGKILL after the grace period (a Kill, or the supervisor told
  // to stop).
  void Stop(int64_t now_mono_us);
  // Acts on deadlines that have passed; returns the next one, if any.
  std::optional<int64_t> OnClock(int64_t now_mono_us);

  // Whether the attempt can be finished: the task ended, its pipes are closed (or their
  // drain time is over) and nothing of its group is left among the supervisor's children (or
  // the bound on waiting for that passed).
  bool Finishable(int64_t now_mono_us) const;
  // Writes the final note to the log and returns the result text.
  std::string Conclude();
  // Ends the log with the result line, then frees the lock: the attempt is over.
  void Record(const std::string& text);

 private:
  struct Stream {
    int fd = -1;
    LogLineSplitter splitter;
  };

  void StopGroup(const std::string& why, int64_t now_mono_us);
  void CloseStream(Stream& s);
  void Note(const std::string& text);
  // Appends the task's output lines while the log takes them: up to its cap, and not after a
  // write failed (a full disk); what is not kept is counted in the result.
  void WriteOutput(const std::string& lines);
  // Appends to the log; false (and the log marked cut) when the write failed.
  bool Append(std::string_view data);
  // After a failed write: frees room for the log's last lines (the notes and the result line)
  // inside blocks the log already has, dropping output from its end if need be.
  void MakeRoomForTheEnd();

  AttemptSpec spec_;
  int log_fd_ = -1;       // also the attempt's lock
  bool new_log_ = false;  // the log was empty when locked: this attempt's first start
  pid_t task_ = 0;
  int status_ = 0;  // wait status, once task_done_
  bool task_done_ = false;
  bool term_sent_ = false;
  bool ended_early_ = false;   // it never ran: its folder, log, lock or exec failed
  bool output_cut_ = false;    // the log takes no more output: its cap, or a failed write
  bool write_failed_ = false;  // a write to the log failed: nothing more is written to it
  int64_t output_bytes_ = 0;   // output lines written to the log
  int64_t block_size_ = 4096;  // the log's file system's, for MakeRoomForTheEnd
  bool reserved_ = false;      // the log's first block is allocated (fallocate)
  int64_t start_mono_us_ = 0;
  std::optional<int64_t> sigkill_at_;
  std::optional<int64_t> drain_until_;  // output of escaped processes is not awaited past it
  std::optional<int64_t> reap_until_;   // SIGKILLed leftovers in D state are not awaited past it
  Stream streams_[2] = {{-1, LogLineSplitter("out")}, {-1, LogLineSplitter("err")}};
  AttemptResult result_;
};

}  // namespace sluice
