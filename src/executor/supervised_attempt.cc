#include "executor/supervised_attempt.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

void WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk loses log lines; the result is still reported
    off += static_cast<size_t>(n);
  }
}

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
    return ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
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
    WriteAll(log_fd_, lines);
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
  if (ended_early_) {
    Note(result_.error);
  } else if (WIFEXITED(status_)) {
    result_.exit_code = WEXITSTATUS(status_);
    Note("exit code " + std::to_string(*result_.exit_code));
  } else if (WIFSIGNALED(status_)) {
    result_.signal = WTERMSIG(status_);
    const char* name = sigabbrev_np(*result_.signal);
    Note("killed by signal " + std::to_string(*result_.signal) +
         (name ? std::string(" (SIG") + name + ")" : std::string()));
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
  WriteAll(log_fd_, lines);
  ::close(s.fd);
  s.fd = -1;
}

void SupervisedAttempt::Note(const std::string& text) {
  if (log_fd_ < 0) return;
  std::string line;
  AppendLogLine(WallUs(), "sluice", text, &line);
  WriteAll(log_fd_, line);
}

}  // namespace sluice
