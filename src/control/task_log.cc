#include "control/task_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "control/log_escape.h"
#include "control/run_lookup.h"
#include "executor/attempt_result.h"
#include "time/duration.h"

namespace sluice::control {
namespace {

constexpr size_t kChunk = size_t{64} * 1024;

// An open file, closed on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Cuts what is read into lines, writes each (escaped unless raw) and remembers the last one,
// where the supervisor's result line appears.
class LogPrinter {
 public:
  LogPrinter(const TaskLogOutput& out, bool raw) : out_(out), raw_(raw) {}

  void Feed(std::string_view data) {
    if (raw_) out_.write(data);
    size_t start = 0;
    while (true) {
      const size_t nl = data.find('\n', start);
      if (nl == std::string_view::npos) break;
      partial_.append(data.substr(start, nl - start));
      if (!raw_) out_.write(EscapeTerminalText(partial_) + "\n");
      last_line_ = std::move(partial_);
      partial_.clear();
      start = nl + 1;
    }
    partial_.append(data.substr(start));
  }

  // A line the supervisor left unfinished (it died mid-write) is still shown.
  void Finish() {
    if (!partial_.empty() && !raw_) out_.write(EscapeTerminalText(partial_) + "\n");
    partial_.clear();
  }

  // Whether the last whole line is the supervisor's result line: the attempt is over. A task
  // cannot write it, its lines are tagged `out|`/`err|`.
  bool SawResult() const {
    if (last_line_.empty()) return false;
    std::string error;
    const bool parsed = ResultFromLogTail(last_line_ + "\n", &error).has_value();
    return parsed || !error.empty();
  }

 private:
  const TaskLogOutput& out_;
  bool raw_;
  std::string partial_;
  std::string last_line_;
};

// Reads from `*offset` to the end of the file into the printer; false when nothing was new.
Result<bool> ReadMore(int fd, const std::string& path, uint64_t* offset, LogPrinter* printer) {
  std::string buf(kChunk, '\0');
  bool any = false;
  while (true) {
    const ssize_t got = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(*offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::Errno("read(\"" + path + "\")");
    }
    if (got == 0) return any;
    any = true;
    *offset += static_cast<uint64_t>(got);
    printer->Feed(std::string_view(buf.data(), static_cast<size_t>(got)));
  }
}

// Whether some process holds an flock on the open file, read from /proc/locks (the
// supervisor's lock on a live attempt's log). Looking, not trying the lock: a reader that took
// it, even for an instant, could make a supervisor opening the log at that moment fail.
bool LockHeld(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  char want[64];
  std::snprintf(want, sizeof want, "%02x:%02x:%llu", ::major(st.st_dev), ::minor(st.st_dev),
                static_cast<unsigned long long>(st.st_ino));
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    // "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF"; waiters ("1: -> FLOCK ...") hold nothing.
    std::istringstream fields(line);
    std::string number, kind, mode, access, pid, id;
    fields >> number >> kind;
    if (kind != "FLOCK") continue;
    fields >> mode >> access >> pid >> id;
    if (id == want) return true;
  }
  return false;
}

std::string AttemptName(const AttemptRecord& a) {
  return a.dag_id + "/" + a.run_id + "/" + a.task_id + " try " + std::to_string(a.try_number);
}

// Why the log is missing when log_retention took it: the run ended longer ago than the setting.
Status MissingLog(const Context& ctx, const RunRecord& run, const AttemptRecord& attempt,
                  const Status& open_error) {
  if (ctx.config.log_retention && IsTerminal(run.state) && run.end &&
      *run.end + *ctx.config.log_retention <= ctx.clock.Now()) {
    return Status::Precondition("the log of " + AttemptName(attempt) +
                                " was removed by log_retention (" +
                                FormatDuration(*ctx.config.log_retention) + ")");
  }
  return open_error;
}

// The attempt to show; with `follow`, waits for it while its task has not started it yet.
Result<AttemptRecord> AwaitAttempt(const Context& ctx, const TaskLogRequest& request,
                                   const TaskLogOutput& out) {
  bool noted = false;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(RunRecord run, FindRun(ctx.store, request.dag_id, request.run_id));
    SLUICE_ASSIGN_OR_RETURN(auto attempts,
                            ctx.store.ListAttempts(run.dag_id, run.run_id, request.task_id));
    const bool have = request.try_number > 0
                          ? !attempts.empty() && attempts.back().try_number >= request.try_number
                          : !attempts.empty();
    if (have || !request.follow)
      return FindAttempt(ctx.store, run, request.task_id, request.try_number);
    SLUICE_ASSIGN_OR_RETURN(TaskInstanceRecord ti,
                            FindTaskInstance(ctx.store, run, request.task_id));
    if (IsTerminal(ti.state) || IsTerminal(run.state)) {
      if (!attempts.empty())
        return FindAttempt(ctx.store, run, request.task_id, request.try_number);
      return Status::Precondition("task '" + request.task_id + "' of run '" + run.run_id +
                                  "' ended " + TaskStateName(ti.state) +
                                  " without an attempt (the run is " + RunStateName(run.state) +
                                  ")");
    }
    if (!noted) {
      out.note("waiting for " +
               (request.try_number > 0 ? "try " + std::to_string(request.try_number)
                                       : std::string("the first attempt")) +
               " of task '" + request.task_id + "' (it is " + TaskStateName(ti.state) + ")");
      noted = true;
    }
    out.sleep(request.poll_interval);
  }
}

// The attempts of a `mode: reschedule` command sensor's current wait, one per poke: the task
// instance records pokes and has attempts (a scheduler-poked sensor has none, a process task no
// pokes). Empty for any other task.
Result<std::vector<AttemptRecord>> PokeAttempts(const Context& ctx, const TaskLogRequest& request) {
  SLUICE_ASSIGN_OR_RETURN(RunRecord run, FindRun(ctx.store, request.dag_id, request.run_id));
  SLUICE_ASSIGN_OR_RETURN(TaskInstanceRecord ti, FindTaskInstance(ctx.store, run, request.task_id));
  std::vector<AttemptRecord> out;
  if (ti.pokes == 0) return out;
  SLUICE_ASSIGN_OR_RETURN(auto attempts,
                          ctx.store.ListAttempts(run.dag_id, run.run_id, request.task_id));
  for (AttemptRecord& a : attempts) {
    if (a.try_number > ti.retry_base) out.push_back(std::move(a));
  }
  return out;
}

Status ShowAttemptLog(const Context& ctx, const TaskLogRequest& request, AttemptRecord attempt,
                      const TaskLogOutput& out) {
  const std::string path = attempt.log_path;
  // The store records an attempt before its supervisor creates the log: a follower waits.
  int raw_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  while (raw_fd < 0 && errno == ENOENT && request.follow &&
         attempt.state == AttemptState::kRunning) {
    out.sleep(request.poll_interval);
    SLUICE_ASSIGN_OR_RETURN(RunRecord run, FindRun(ctx.store, request.dag_id, request.run_id));
    SLUICE_ASSIGN_OR_RETURN(attempt,
                            FindAttempt(ctx.store, run, request.task_id, attempt.try_number));
    raw_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (raw_fd < 0) {
    const bool missing = errno == ENOENT;
    Status error = Status::Errno("open(\"" + path + "\")");
    if (!missing) return error;
    SLUICE_ASSIGN_OR_RETURN(RunRecord run, FindRun(ctx.store, request.dag_id, request.run_id));
    return MissingLog(ctx, run, attempt, error);
  }
  Fd fd(raw_fd);
  uint64_t offset = 0;
  if (request.tail > 0) {
    SLUICE_ASSIGN_OR_RETURN(offset, LastLinesOffset(path, request.tail));
  }
  LogPrinter printer(out, request.raw);
  SLUICE_RETURN_IF_ERROR(ReadMore(fd.get(), path, &offset, &printer).status());
  int free_polls = 0;
  while (request.follow && !printer.SawResult()) {
    if (out.stopped && out.stopped()) break;
    out.sleep(request.poll_interval);
    SLUICE_ASSIGN_OR_RETURN(bool grew, ReadMore(fd.get(), path, &offset, &printer));
    // Between creating the log and locking it a supervisor holds no lock for an instant; twice
    // in a row, with nothing written between, the supervisor is gone.
    free_polls = !grew && !LockHeld(fd.get()) ? free_polls + 1 : 0;
    if (free_polls >= 2) break;
  }
  printer.Finish();
  return Status::Ok();
}

}  // namespace

Result<uint64_t> LastLinesOffset(const std::string& path, int lines, size_t block) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Status::Errno("open(\"" + path + "\")");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::Errno("fstat(\"" + path + "\")");
  uint64_t end = static_cast<uint64_t>(st.st_size);
  std::string buf(block, '\0');
  int newlines = 0;
  bool last_byte = true;  // the file's own last newline ends its last line, it starts none
  while (end > 0) {
    const uint64_t begin = end > block ? end - block : 0;
    const size_t n = static_cast<size_t>(end - begin);
    const ssize_t got = ::pread(fd.get(), buf.data(), n, static_cast<off_t>(begin));
    if (got < 0) return Status::Errno("read(\"" + path + "\")");
    if (static_cast<size_t>(got) != n) return Status::Io(path + ": changed while read");
    for (size_t i = n; i-- > 0;) {
      if (buf[i] == '\n' && !last_byte && ++newlines == lines) return begin + i + 1;
      last_byte = false;
    }
    end = begin;
  }
  return 0;
}

Result<TaskLogPart> ReadTaskLogRange(const Context& ctx, const TaskLogRange& range) {
  SLUICE_ASSIGN_OR_RETURN(RunRecord run, FindRun(ctx.store, range.dag_id, range.run_id));
  SLUICE_ASSIGN_OR_RETURN(AttemptRecord attempt,
                          FindAttempt(ctx.store, run, range.task_id, range.try_number));
  TaskLogPart part;
  part.complete = attempt.state != AttemptState::kRunning;
  const std::string path = attempt.log_path;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno != ENOENT) return Status::Errno("open(\"" + path + "\")");
    Status missing = MissingLog(ctx, run, attempt, Status::Ok());
    if (!missing.ok()) return missing;
    if (attempt.state == AttemptState::kRunning) {
      // The store records an attempt before its supervisor creates the log.
      part.attempt = std::move(attempt);
      return part;
    }
    return Status::NotFound("the log of " + AttemptName(attempt) + " does not exist");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::Errno("fstat(\"" + path + "\")");
  part.size = static_cast<uint64_t>(st.st_size);
  uint64_t from = std::min(range.offset, part.size);
  if (range.tail > 0) {
    SLUICE_ASSIGN_OR_RETURN(from, LastLinesOffset(path, range.tail));
    if (part.size - from > range.length) from = part.size - range.length;
  }
  const uint64_t n = std::min(range.length, part.size - from);
  part.content.resize(n);
  size_t done = 0;
  while (done < n) {
    const ssize_t got =
        ::pread(fd.get(), part.content.data() + done, n - done, static_cast<off_t>(from + done));
    if (got < 0) return Status::Errno("read(\"" + path + "\")");
    if (got == 0) break;  // cut meanwhile (log_max_bytes never cuts; retention may delete)
    done += static_cast<size_t>(got);
  }
  part.content.resize(done);
  part.offset = from;
  part.next_offset = from + done;
  part.attempt = std::move(attempt);
  return part;
}

Status ShowTaskLog(const Context& ctx, const TaskLogRequest& request, const TaskLogOutput& out) {
  if (request.try_number == 0 && request.tail == 0 && !request.follow) {
    // Every poke of a reschedule sensor is a try of its own: the whole wait is shown, each
    // poke's log under a line naming its try.
    SLUICE_ASSIGN_OR_RETURN(std::vector<AttemptRecord> pokes, PokeAttempts(ctx, request));
    if (pokes.size() > 1) {
      for (AttemptRecord& a : pokes) {
        out.write("== try " + std::to_string(a.try_number) + " ==\n");
        SLUICE_RETURN_IF_ERROR(ShowAttemptLog(ctx, request, std::move(a), out));
      }
      return Status::Ok();
    }
  }
  SLUICE_ASSIGN_OR_RETURN(AttemptRecord attempt, AwaitAttempt(ctx, request, out));
  return ShowAttemptLog(ctx, request, std::move(attempt), out);
}

}  // namespace sluice::control
