#include "executor/supervised_attempt.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

extern char** environ;

namespace sluice {
namespace {

constexpr int64_t kDrainAfterExitUs = 2000000;  // output of escaped processes is not awaited
constexpr int64_t kReapBoundUs = 5000000;       // SIGKILLed leftovers in D state are not awaited
constexpr size_t kReadChunk = size_t{64} * 1024;

// The open-files limit the supervisor found at its start: it raises its own (it holds three
// descriptors per running attempt) and gives tasks the one they would have had.
rlimit g_task_nofile{};
bool g_task_nofile_known = false;
// Opened once (SetUpSupervisorProcess): the supervisor's pid, which a task's vfork child checks
// its parent against, and /dev/null, the tasks' stdin.
pid_t g_self = 0;
int g_null_fd = -1;

int64_t WallUs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

std::string SysError(const std::string& call, int err) { return call + ": " + std::strerror(err); }

// Writes all of `data`; 0, or the errno of the write that failed with `*written` bytes done.
int WriteAll(int fd, std::string_view data, size_t* written) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *written = off;
      return n < 0 ? errno : ENOSPC;
    }
    off += static_cast<size_t>(n);
  }
  *written = off;
  return 0;
}

// Room kept at the log's end for its last lines (the notes and the result line) once a write
// has failed: they are under 1 KiB.
constexpr int64_t kEndRoom = 1024;

// mkdir -p. The supervisor links nothing of Sluice's util library, hence its own.
bool MakeDirs(const std::string& path, std::string* error) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return true;
  if (errno == ENOENT) {
    const size_t slash = path.find_last_of('/');
    if (slash != std::string::npos && slash > 0) {
      if (!MakeDirs(path.substr(0, slash), error)) return false;
      if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return true;
    }
  }
  *error = SysError("mkdir(\"" + path + "\")", errno);
  return false;
}

// What the vfork child leaves in the parent's memory when it could not exec.
struct ChildFailure {
  int stage;  // -1: none; 0: chdir; 1: exec
  int err;
};

// Runs in the vfork child, on the parent's memory: only system calls until exec, and nothing
// written but `failure`.
[[noreturn]] void ExecTask(char* const* argv, const std::string& cwd, pid_t parent, int null_fd,
                           int out_fd, int err_fd, volatile ChildFailure* failure) {
  ::setpgid(0, 0);
  // A SIGKILLed supervisor takes its tasks with it: the attempt is then lost and retried,
  // never left running unwatched.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  if (g_task_nofile_known) ::setrlimit(RLIMIT_NOFILE, &g_task_nofile);
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::dup2(null_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
    failure->err = errno;
    failure->stage = 0;
  } else {
    ::execvp(argv[0], argv);  // environ is the task's: set by the parent around the vfork
    failure->err = errno;
    failure->stage = 1;
  }
  ::_exit(127);
}

}  // namespace

void SetUpSupervisorProcess() {
  g_self = ::getpid();
  g_null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  g_task_nofile = limit;
  g_task_nofile_known = true;
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

SupervisedAttempt::~SupervisedAttempt() {
  for (auto& s : streams_) {
    if (s.fd >= 0) ::close(s.fd);
  }
  if (log_fd_ >= 0) ::close(log_fd_);
}

void SupervisedAttempt::Fail(const std::string& error) {
  result_.error = error;
  result_.end_us = WallUs();
  ended_early_ = true;
}

bool SupervisedAttempt::OpenLog() {
  result_.start_us = WallUs();
  const std::string log_path = AttemptLogPath(spec_.path);
  auto open_log = [&log_path] {
    // Read too: MakeRoomForTheEnd looks for the last whole line.
    return ::open(log_path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  };
  log_fd_ = open_log();
  if (log_fd_ < 0 && errno == ENOENT) {  // the run's first attempt: its folder is new
    std::string error;
    const size_t slash = spec_.path.find_last_of('/');
    if (slash != std::string::npos && slash > 0 && !MakeDirs(spec_.path.substr(0, slash), &error)) {
      Fail(error);
      return false;
    }
    log_fd_ = open_log();
  }
  if (log_fd_ < 0) {
    Fail(SysError("open(\"" + log_path + "\")", errno));
    return false;
  }
  // The log is also the lock: held until Record, so a later scheduler can tell a live attempt
  // from a dead one.
  if (::flock(log_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(log_fd_);
    log_fd_ = -1;
    Fail(err == EWOULDBLOCK ? log_path + ": another supervisor holds this attempt's lock"
                            : SysError("flock(\"" + log_path + "\")", err));
    return false;
  }
  struct stat st {};
  new_log_ = ::fstat(log_fd_, &st) == 0 && st.st_size == 0;
  if (st.st_blksize >= kEndRoom) block_size_ = st.st_blksize;
  // The result must not depend on room on the log's disk: with its first block allocated, the
  // log always has a block to end in (MakeRoomForTheEnd). A disk too full for that block is
  // too full to record the result, so the task is not started. File systems that cannot
  // reserve (EOPNOTSUPP) do without.
  if (::fallocate(log_fd_, FALLOC_FL_KEEP_SIZE, 0, block_size_) == 0) {
    reserved_ = true;
  } else if (errno == ENOSPC || errno == EDQUOT) {
    const int err = errno;
    if (new_log_) ::unlink(log_path.c_str());
    ::close(log_fd_);
    log_fd_ = -1;
    Fail("not started: no room for its log: " + SysError("fallocate(\"" + log_path + "\")", err));
    return false;
  }
  // Whatever an earlier supervisor of this attempt left must not end the log as if it were
  // this one's result.
  if (!new_log_) Note("started again: the lines above are an earlier start of this attempt");
  return true;
}

void SupervisedAttempt::Abandon() {
  // Removed while still locked, so a later scheduler finds no trace and starts it itself.
  if (new_log_) ::unlink(AttemptLogPath(spec_.path).c_str());
  ::close(log_fd_);
  log_fd_ = -1;
}

void SupervisedAttempt::StartTask(int64_t now_mono_us) {
  start_mono_us_ = now_mono_us;
  result_.start_us = WallUs();
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    Fail(SysError("pipe2()", errno));
    return;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    Fail(SysError("pipe2()", errno));
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return;
  }
  std::vector<char*> argv;
  for (auto& a : spec_.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : spec_.env) envp.push_back(e.data());
  envp.push_back(nullptr);

  // vfork rather than posix_spawn: the child must set PR_SET_PDEATHSIG, which posix_spawn
  // cannot. vfork rather than fork: no page tables to copy, and the child shares our memory,
  // so it reports a failed exec in `failure` (we run again only once it has exec'd or exited).
  // The task's environment is swapped in around it so that execvp also looks argv[0] up in
  // the task's own PATH.
  volatile ChildFailure failure{-1, 0};
  char** own_environ = environ;
  environ = envp.data();
  task_ = ::vfork();
  if (task_ == 0) {
    ExecTask(argv.data(), spec_.cwd, g_self, g_null_fd, out_pipe[1], err_pipe[1], &failure);
  }
  const int fork_errno = errno;
  environ = own_environ;
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (task_ < 0) {
    task_ = 0;
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    Fail(SysError("fork()", fork_errno));
    return;
  }
  if (failure.stage >= 0) {
    ::waitpid(task_, nullptr, 0);
    task_ = 0;
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    Fail(failure.stage == 0 ? SysError("chdir(\"" + spec_.cwd + "\")", failure.err)
                            : SysError("exec(\"" + spec_.argv[0] + "\")", failure.err));
    return;
  }
  ::setpgid(task_, task_);  // also in the parent, so killpg works at once
  streams_[0].fd = out_pipe[0];
  streams_[1].fd = err_pipe[0];
  Note("started pid " + std::to_string(task_));
}

void SupervisedAttempt::OnReadable(int stream) {
  Stream& s = streams_[stream];
  if (s.fd < 0) return;
  char buf[kReadChunk];
  ssize_t n = ::read(s.fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n > 0) {
    std::string lines;
    s.splitter.Feed(std::string_view(buf, static_cast<size_t>(n)), WallUs(), &lines);
    WriteOutput(lines);
    return;
  }
  CloseStream(s);
}

void SupervisedAttempt::OnTaskExit(int64_t now_mono_us) {
  if (task_done_ || task_ <= 0) return;
  result_.end_us = WallUs();
  // Still a zombie here, so its pid (the group id) cannot have been reused: whatever is left
  // of its group (a background `sleep 30 &`) dies with it.
  ::killpg(task_, SIGKILL);
  ::waitpid(task_, &status_, 0);
  task_done_ = true;
  drain_until_ = now_mono_us + kDrainAfterExitUs;
  reap_until_ = now_mono_us + kReapBoundUs;
}

void SupervisedAttempt::Stop(int64_t now_mono_us) {
  if (task_done_ || term_sent_ || task_ <= 0) return;
  result_.killed = true;
  StopGroup("asked to stop", now_mono_us);
}

void SupervisedAttempt::StopGroup(const std::string& why, int64_t now_mono_us) {
  Note(why + ": SIGTERM to the process group");
  ::killpg(task_, SIGTERM);
  ::killpg(task_, SIGCONT);  // a stopped process acts on SIGTERM only once continued
  term_sent_ = true;
  sigkill_at_ = now_mono_us + spec_.grace_ms * 1000;
}

std::optional<int64_t> SupervisedAttempt::OnClock(int64_t now) {
  std::optional<int64_t> timeout_at;
  if (spec_.timeout_ms) timeout_at = start_mono_us_ + *spec_.timeout_ms * 1000;
  const bool running = task_ > 0 && !task_done_;
  if (running && !term_sent_ && timeout_at && now >= *timeout_at) {
    result_.timed_out = true;
    StopGroup("timed out after " + std::to_string(*spec_.timeout_ms) + " ms", now);
  }
  if (running && sigkill_at_ && now >= *sigkill_at_) {
    Note("still running " + std::to_string(spec_.grace_ms) +
         " ms after SIGTERM: SIGKILL to the process group");
    ::killpg(task_, SIGKILL);
    sigkill_at_.reset();
  }
  const bool streams_open = streams_[0].fd >= 0 || streams_[1].fd >= 0;
  if (streams_open && drain_until_ && now >= *drain_until_) {
    // Something outside the task's group still holds its stdout or stderr.
    for (auto& s : streams_) CloseStream(s);
  }
  std::optional<int64_t> next;
  auto consider = [&next](std::optional<int64_t> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (running && !term_sent_) consider(timeout_at);
  if (running) consider(sigkill_at_);
  if (streams_[0].fd >= 0 || streams_[1].fd >= 0) consider(drain_until_);
  if (task_done_) consider(reap_until_);
  return next;
}

bool SupervisedAttempt::Finishable(int64_t now_mono_us) const {
  if (ended_early_) return true;
  if (!task_done_ || streams_[0].fd >= 0 || streams_[1].fd >= 0) return false;
  if (now_mono_us >= *reap_until_) return true;
  // Leftovers of the group that are (or were re-parented to) the supervisor's children: they
  // were SIGKILLed with the task and are reaped as they die.
  siginfo_t info{};
  return ::waitid(P_PGID, static_cast<id_t>(task_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 &&
         errno == ECHILD;
}

std::string SupervisedAttempt::Conclude() {
  std::string how;
  if (ended_early_) {
    how = result_.error;
  } else if (WIFEXITED(status_)) {
    result_.exit_code = WEXITSTATUS(status_);
    how = "exit code " + std::to_string(*result_.exit_code);
  } else if (WIFSIGNALED(status_)) {
    result_.signal = WTERMSIG(status_);
    const char* name = sigabbrev_np(*result_.signal);
    how = "killed by signal " + std::to_string(*result_.signal) +
          (name ? std::string(" (SIG") + name + ")" : std::string());
  }
  if (!write_failed_ && !how.empty()) Note(how);
  if (write_failed_ && log_fd_ >= 0) {
    // A write failed (a full disk): the last lines go where the log already has room.
    MakeRoomForTheEnd();
    Note("the log is cut: " + result_.log_error + "; " + std::to_string(result_.log_dropped) +
         " bytes of it were not kept");
    if (!how.empty()) Note(how);
  }
  return FormatAttemptResult(result_);
}

void SupervisedAttempt::Record(const std::string& text) {
  // The log's last line, read by a later scheduler only once the lock is free.
  Note(std::string(kResultNotePrefix) + text);
  if (log_fd_ >= 0) ::close(log_fd_);  // frees the lock: the attempt is over
  log_fd_ = -1;
}

void SupervisedAttempt::CloseStream(Stream& s) {
  if (s.fd < 0) return;
  std::string lines;
  s.splitter.Finish(WallUs(), &lines);
  WriteOutput(lines);
  ::close(s.fd);
  s.fd = -1;
}

void SupervisedAttempt::Note(const std::string& text) {
  if (log_fd_ < 0) return;
  std::string line;
  AppendLogLine(WallUs(), "sluice", text, &line);
  Append(line);
}

void SupervisedAttempt::WriteOutput(const std::string& lines) {
  if (lines.empty() || log_fd_ < 0) return;
  if (output_cut_) {
    result_.log_dropped += static_cast<int64_t>(lines.size());
    return;
  }
  std::string_view keep = lines;
  bool capped = false;
  if (spec_.log_max_bytes > 0 &&
      output_bytes_ + static_cast<int64_t>(lines.size()) > spec_.log_max_bytes) {
    // Whole lines only, up to the cap.
    const auto room = static_cast<size_t>(spec_.log_max_bytes - output_bytes_);
    const size_t last = room == 0 ? std::string_view::npos : keep.substr(0, room).rfind('\n');
    keep = last == std::string_view::npos ? std::string_view() : keep.substr(0, last + 1);
    result_.log_dropped += static_cast<int64_t>(lines.size() - keep.size());
    result_.log_capped = capped = true;
  }
  if (!Append(keep)) return;
  output_bytes_ += static_cast<int64_t>(keep.size());
  if (capped) {
    output_cut_ = true;
    Note("the log reached log_max_bytes (" + std::to_string(spec_.log_max_bytes) +
         " bytes of output): the rest of the task's output is not kept");
  }
}

bool SupervisedAttempt::Append(std::string_view data) {
  if (log_fd_ < 0 || data.empty()) return log_fd_ >= 0;
  if (write_failed_) {
    result_.log_dropped += static_cast<int64_t>(data.size());
    return false;
  }
  size_t written = 0;
  const int err = WriteAll(log_fd_, data, &written);
  if (err == 0) return true;
  output_cut_ = write_failed_ = true;
  if (result_.log_error.empty()) result_.log_error = std::strerror(err);
  result_.log_dropped += static_cast<int64_t>(data.size() - written);
  return false;
}

void SupervisedAttempt::MakeRoomForTheEnd() {
  struct stat st {};
  if (::fstat(log_fd_, &st) != 0) return;
  // The block holding the log's last byte is allocated to the end, and so is its first when
  // reserved: writing below `allocated` needs no free space. The log is cut back so that its
  // last lines fit there.
  const int64_t size = st.st_size;
  int64_t allocated = (size + block_size_ - 1) / block_size_ * block_size_;
  if (reserved_) allocated = std::max(allocated, block_size_);
  int64_t cut_at = std::max<int64_t>(0, allocated - kEndRoom);
  if (cut_at < size) {
    // At the end of a whole line when there is one not too far back.
    std::string back(static_cast<size_t>(std::min<int64_t>(cut_at, int64_t{128} * 1024)), '\0');
    const ssize_t n = ::pread(log_fd_, back.data(), back.size(), cut_at - back.size());
    const size_t nl = n == static_cast<ssize_t>(back.size()) ? back.rfind('\n') : back.npos;
    if (nl != back.npos) cut_at -= static_cast<int64_t>(back.size() - nl - 1);
    if (::ftruncate(log_fd_, cut_at) == 0) result_.log_dropped += size - cut_at;
  }
  // The last lines may be written now: they fit. A torn line before them is ended first.
  write_failed_ = false;
  const int64_t end = std::min(size, cut_at);
  char last = '\n';
  if (end > 0 && ::pread(log_fd_, &last, 1, end - 1) != 1) last = '\n';
  if (last != '\n') Append("\n");
}

}  // namespace sluice
