#pragma once
// Running a DAG generator (`*.dag`) with a time limit, capturing its output. Real processes: this
// is the one part of core with side effects. GeneratorProcess starts one without waiting, so a
// caller with an event loop (the scheduler) watches its descriptors beside everything else;
// RunGenerator waits for one to finish (the CLI).

#include <sys/types.h>

#include <memory>
#include <string>

#include "sluice/clock.h"
#include "sluice/status.h"

namespace sluice {

struct GeneratorRun {
  bool timed_out = false;
  int exit_status = 0;  // when it exited normally
  int signal = 0;       // when a signal ended it (not ours)
  std::string out;      // stdout
  std::string err;      // stderr
};

// One generator process, started in its own process group (stdin /dev/null), with its stdout
// and stderr on non-blocking pipes and a pidfd that becomes readable when it exits. The owner
// calls Read() when a pipe is readable and Reap() when the exit descriptor is; done() says when
// both pipes reached their end and the process is reaped. Destroying it (or Kill()) sends SIGKILL
// to its whole group and reaps it. Not thread-safe.
class GeneratorProcess {
 public:
  // Errors: the pipes, the spawn or pidfd_open failed.
  static Result<std::unique_ptr<GeneratorProcess>> Start(const std::string& path,
                                                         const std::string& cwd);
  ~GeneratorProcess();
  GeneratorProcess(const GeneratorProcess&) = delete;
  GeneratorProcess& operator=(const GeneratorProcess&) = delete;

  int stdout_fd() const { return out_fd_; }  // -1 once closed
  int stderr_fd() const { return err_fd_; }  // -1 once closed
  int exit_fd() const { return exit_fd_; }   // -1 once reaped
  pid_t pid() const { return pid_; }

  // Reads what `fd` (stdout_fd() or stderr_fd()) holds now, and closes it at its end. Errors:
  // the output passed 64 MiB (the generator is then killed).
  Status Read(int fd);
  // If the process exited, reaps it and kills what it left running in its group (which would
  // otherwise hold the pipes open).
  void Reap();
  // SIGKILL to the whole group; reaps the process and closes the pipes. The result says timed_out.
  void Kill();
  bool done() const { return out_fd_ < 0 && err_fd_ < 0 && exit_fd_ < 0; }
  // The result so far (complete once done()).
  const GeneratorRun& result() const { return run_; }

 private:
  GeneratorProcess() = default;
  void CloseFd(int* fd);

  pid_t pid_ = 0;
  int out_fd_ = -1;
  int err_fd_ = -1;
  int exit_fd_ = -1;
  GeneratorRun run_;
};

// Runs `path` (cwd `cwd`) to completion, reading its output; at `time_limit` its whole group
// gets SIGKILL and the result says timed_out. Errors: those of GeneratorProcess::Start and Read.
Result<GeneratorRun> RunGenerator(const std::string& path, const std::string& cwd,
                                  Duration time_limit);

}  // namespace sluice
