// sluice-supervisor: runs one task attempt and reports how it ended.
//
//   sluice-supervisor --dir ATTEMPT_DIR [--timeout-ms N] [--grace-ms N] [--cwd DIR] -- ARGV...
//
// It holds an flock on ATTEMPT_DIR itself for its whole life (inherited as fd 3 from the
// executor or the zygote, so there is no moment when it runs unlocked), starts the task in its
// own process group, time-stamps the task's stdout and stderr into ATTEMPT_DIR/log, enforces
// the timeout (SIGTERM to the group, SIGKILL after the grace period; a SIGTERM to the
// supervisor does the same), and writes ATTEMPT_DIR/result (ending in done=1) before it exits
// 0. It runs in its own session, so it outlives the scheduler that started it.
//
// Kept tiny and statically linked. Exec'ing it per task costs about a millisecond on a VM (the
// dynamic loader and glibc's CPU probing), so the executor normally starts it once as a
// zygote:
//
//   sluice-supervisor --dir TAG_DIR --zygote
//
// which reads launch requests from stdin (frames of strings: the arguments above after the
// program name, then the environment), locks the attempt directory, forks, and answers with the
// child's pid on stdout. The child is exactly the supervisor described above (own session, the
// lock held from before the fork); the zygote only saves the exec. It exits when its stdin
// closes (the scheduler is gone) or its parent dies; supervisors it forked live on.

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "executor/attempt_result.h"
#include "executor/log_lines.h"

extern char** environ;

namespace sluice {
namespace {

constexpr int kInheritedLockFd = 3;             // where the executor puts the locked lock file
constexpr int64_t kDrainAfterExitUs = 2000000;  // output of escaped processes is not awaited
constexpr int64_t kReapBoundUs = 5000000;       // SIGKILLed leftovers in D state are not awaited
constexpr size_t kReadChunk = 64 * 1024;

int64_t NowUs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}
int64_t WallUs() { return NowUs(CLOCK_REALTIME); }
int64_t MonoUs() { return NowUs(CLOCK_MONOTONIC); }

std::string SysError(const std::string& call, int err) { return call + ": " + std::strerror(err); }

void WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk loses log lines; the result is still written
    off += static_cast<size_t>(n);
  }
}

// Writes the result in place: its last line (done=1) tells a reader it is whole, and it is
// read only once this process has exited, so no temporary file and rename are needed.
bool WriteResultFile(const std::string& path, const std::string& data, std::string* error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = SysError("open(\"" + path + "\")", errno);
    return false;
  }
  WriteAll(fd, data);
  ::close(fd);
  return true;
}

struct Options {
  std::string dir;
  std::optional<int64_t> timeout_ms;
  int64_t grace_ms = 10000;
  std::string cwd;
  std::vector<char*> argv;  // null-terminated
};

bool ParseCount(const char* text, int64_t* out) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < 0) return false;
  *out = v;
  return true;
}

// --dir comes first so that `pkill -f "sluice-supervisor --dir $HOME"` finds a home's supervisors.
bool ParseArgs(int argc, char** argv, Options* o, std::string* error) {
  if (argc < 3 || std::strcmp(argv[1], "--dir") != 0) {
    *error = "the first argument must be --dir ATTEMPT_DIR";
    return false;
  }
  o->dir = argv[2];
  int i = 3;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) {
      *error = flag + " needs a value";
      return false;
    }
    const char* value = argv[i + 1];
    int64_t n = 0;
    if (flag == "--timeout-ms" || flag == "--grace-ms") {
      if (!ParseCount(value, &n)) {
        *error = flag + ": not a count of milliseconds: '" + value + "'";
        return false;
      }
      if (flag == "--timeout-ms") {
        o->timeout_ms = n;
      } else {
        o->grace_ms = n;
      }
    } else if (flag == "--cwd") {
      o->cwd = value;
    } else {
      *error = "unknown flag " + flag;
      return false;
    }
  }
  if (i + 1 >= argc) {
    *error = "no command: expected -- ARGV...";
    return false;
  }
  for (++i; i < argc; ++i) o->argv.push_back(argv[i]);
  o->argv.push_back(nullptr);
  return true;
}

// Takes over the lock on the attempt directory `path` that the executor passed as fd 3 (same
// directory, already locked by us), or locks it itself (zygote, or started by hand). Returns
// the fd, or -1 when another supervisor has it.
int AcquireLock(const std::string& path, std::string* error) {
  struct stat inherited{};
  struct stat on_disk{};
  if (::fstat(kInheritedLockFd, &inherited) == 0 && ::stat(path.c_str(), &on_disk) == 0 &&
      inherited.st_dev == on_disk.st_dev && inherited.st_ino == on_disk.st_ino &&
      ::flock(kInheritedLockFd, LOCK_EX | LOCK_NB) == 0) {
    // The task must not inherit it: a leftover grandchild would keep the attempt "alive".
    ::fcntl(kInheritedLockFd, F_SETFD, FD_CLOEXEC);
    return kInheritedLockFd;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *error = SysError("open(\"" + path + "\")", errno);
    return -1;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    *error = errno == EWOULDBLOCK ? path + ": another supervisor holds this attempt's lock"
                                  : SysError("flock(\"" + path + "\")", errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

// What the child reports through the CLOEXEC pipe when it could not exec.
struct ChildFailure {
  int stage;  // 0: chdir, 1: exec
  int err;
};

// Runs in the forked child; only async-signal-safe calls until exec.
[[noreturn]] void ExecTask(const Options& o, pid_t parent, int null_fd, int out_fd, int err_fd,
                           int report_fd) {
  ::setpgid(0, 0);
  // A SIGKILLed supervisor takes its task with it: the attempt is then lost and retried,
  // never left running unwatched.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::dup2(null_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  ChildFailure failure{0, 0};
  if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) {
    failure = {0, errno};
  } else {
    ::execvp(o.argv[0], o.argv.data());
    failure = {1, errno};
  }
  ssize_t ignored = ::write(report_fd, &failure, sizeof failure);
  (void)ignored;
  ::_exit(127);
}

class Supervisor {
 public:
  Supervisor(Options options, int signal_fd) : o_(std::move(options)), signal_fd_(signal_fd) {}

  // Runs the task to its end and writes the result. Returns the process exit code.
  int Run() {
    // Orphans of the task are re-parented to us, so we can reap them and none stays a zombie.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (!Start()) return Finish(result_.error);
    Supervise();
    return Finish("");
  }

 private:
  // Opens the log. Done while the task starts: creating a file is the dearest step of a
  // launch on some disks, and the task's output waits in the pipes meanwhile.
  bool RecordFiles() {
    const std::string log_path = o_.dir + "/" + kAttemptLogFile;
    log_fd_ = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd_ < 0) {
      result_.error = SysError("open(\"" + log_path + "\")", errno);
      return false;
    }
    return true;
  }

  bool Start() {
    int out_pipe[2], err_pipe[2], report_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
        ::pipe2(report_pipe, O_CLOEXEC) != 0) {
      result_.error = SysError("pipe2()", errno);
      return false;
    }
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const pid_t self = ::getpid();
    result_.start_us = WallUs();
    start_mono_ = MonoUs();
    // vfork rather than posix_spawn: the child must set PR_SET_PDEATHSIG, which posix_spawn
    // cannot. vfork rather than fork: no page tables to copy and no copy-on-write faults on
    // the launch path. ExecTask only makes system calls and writes nothing we read back, as
    // a vfork child must.
    task_ = ::vfork();
    if (task_ == 0) ExecTask(o_, self, null_fd, out_pipe[1], err_pipe[1], report_pipe[1]);
    const int fork_errno = errno;
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::close(report_pipe[1]);
    if (null_fd >= 0) ::close(null_fd);
    if (task_ < 0) {
      result_.error = SysError("fork()", fork_errno);
      return false;
    }
    ::setpgid(task_, task_);  // also in the parent, so killpg works before the child runs
    streams_[0].fd = out_pipe[0];
    streams_[1].fd = err_pipe[0];
    if (!RecordFiles()) {
      // Without a log the attempt cannot be watched as promised: stop it before it does work.
      ::killpg(task_, SIGKILL);
      ::waitpid(task_, nullptr, 0);
      ::close(report_pipe[0]);
      for (auto& s : streams_) CloseStream(s);
      return false;
    }
    ChildFailure failure{};
    ssize_t n;
    do {
      n = ::read(report_pipe[0], &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    ::close(report_pipe[0]);
    if (n == static_cast<ssize_t>(sizeof failure)) {
      int status = 0;
      ::waitpid(task_, &status, 0);
      result_.error = failure.stage == 0 ? SysError("chdir(\"" + o_.cwd + "\")", failure.err)
                                         : SysError("exec(\"" + std::string(o_.argv[0]) + "\")",
                                                    failure.err);
      for (auto& s : streams_) CloseStream(s);
      return false;
    }
    Note("started pid " + std::to_string(task_));
    return true;
  }

  struct Stream {
    int fd = -1;
    LogLineSplitter splitter;
  };

  void Supervise() {
    std::optional<int64_t> timeout_at;
    if (o_.timeout_ms) timeout_at = start_mono_ + *o_.timeout_ms * 1000;
    for (;;) {
      if (task_done_ && streams_[0].fd < 0 && streams_[1].fd < 0) break;
      int64_t now = MonoUs();
      if (!task_done_ && !term_sent_ && timeout_at && now >= *timeout_at) {
        result_.timed_out = true;
        StopGroup("timed out after " + std::to_string(*o_.timeout_ms) + " ms", now);
      }
      if (!task_done_ && sigkill_at_ && now >= *sigkill_at_) {
        Note("still running " + std::to_string(o_.grace_ms) +
             " ms after SIGTERM: SIGKILL to the process group");
        ::killpg(task_, SIGKILL);
        sigkill_at_.reset();
      }
      if (drain_until_ && now >= *drain_until_) {
        // Something outside the task's group still holds its stdout or stderr.
        for (auto& s : streams_) CloseStream(s);
        continue;
      }
      std::optional<int64_t> next;
      for (auto t : {task_done_ || term_sent_ ? std::nullopt : timeout_at,
                     task_done_ ? std::nullopt : sigkill_at_, drain_until_}) {
        if (t && (!next || *t < *next)) next = t;
      }
      int wait_ms = next ? static_cast<int>((std::max<int64_t>(*next - now, 0) + 999) / 1000) : -1;
      pollfd fds[3] = {{signal_fd_, POLLIN, 0},
                       {streams_[0].fd, POLLIN, 0},
                       {streams_[1].fd, POLLIN, 0}};
      if (::poll(fds, 3, wait_ms) < 0) continue;  // EINTR
      if (fds[0].revents & POLLIN) HandleSignals();
      for (int i = 0; i < 2; ++i) {
        if (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) ReadStream(streams_[i]);
      }
    }
  }

  void StopGroup(const std::string& why, int64_t now) {
    Note(why + ": SIGTERM to the process group");
    ::killpg(task_, SIGTERM);
    ::killpg(task_, SIGCONT);  // a stopped process acts on SIGTERM only once continued
    term_sent_ = true;
    sigkill_at_ = now + o_.grace_ms * 1000;
  }

  void HandleSignals() {
    signalfd_siginfo infos[8];
    ssize_t n = ::read(signal_fd_, infos, sizeof infos);
    if (n <= 0) return;
    for (size_t i = 0; i < static_cast<size_t>(n) / sizeof infos[0]; ++i) {
      const auto sig = static_cast<int>(infos[i].ssi_signo);
      if (sig == SIGCHLD) {
        ReapChildren();
      } else if (!task_done_ && !term_sent_) {
        result_.killed = true;
        StopGroup("asked to stop", MonoUs());
      }
    }
  }

  void ReapChildren() {
    for (;;) {
      siginfo_t info{};
      // Peek without reaping: while the task is a zombie its pid (the group id) cannot be
      // reused, so the SIGKILL to what is left of its group cannot hit a stranger.
      if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) {
        return;
      }
      if (info.si_pid == task_ && !task_done_) {
        result_.end_us = WallUs();
        ::killpg(task_, SIGKILL);
        ::waitpid(task_, &status_, 0);
        task_done_ = true;
        drain_until_ = MonoUs() + kDrainAfterExitUs;
      } else {
        int ignored = 0;  // an orphan of the task, re-parented to us
        ::waitpid(info.si_pid, &ignored, 0);
      }
    }
  }

  void ReadStream(Stream& s) {
    char buf[kReadChunk];
    ssize_t n = ::read(s.fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    std::string lines;
    if (n > 0) {
      s.splitter.Feed(std::string_view(buf, static_cast<size_t>(n)), WallUs(), &lines);
      WriteAll(log_fd_, lines);
      return;
    }
    CloseStream(s);
  }

  void CloseStream(Stream& s) {
    if (s.fd < 0) return;
    std::string lines;
    s.splitter.Finish(WallUs(), &lines);
    WriteAll(log_fd_, lines);
    ::close(s.fd);
    s.fd = -1;
  }

  void Note(const std::string& text) {
    std::string line;
    AppendLogLine(WallUs(), "sluice", text, &line);
    if (log_fd_ >= 0) WriteAll(log_fd_, line);
  }

  // Waits (boundedly) for the SIGKILLed rest of the task's group, records the outcome and
  // writes the result file: the last thing before exiting.
  int Finish(const std::string& error) {
    if (task_ > 0) {
      const int64_t give_up = MonoUs() + kReapBoundUs;
      int status = 0;
      while (MonoUs() < give_up) {
        pid_t r = ::waitpid(-task_, &status, WNOHANG);
        if (r < 0) break;  // ECHILD: nothing of the group is left among our children
        if (r == 0) ::poll(nullptr, 0, 1);
      }
    }
    if (!error.empty()) {
      result_.error = error;
      if (result_.start_us == 0) result_.start_us = WallUs();
      result_.end_us = WallUs();
      Note(error);
    } else if (WIFEXITED(status_)) {
      result_.exit_code = WEXITSTATUS(status_);
      Note("exit code " + std::to_string(*result_.exit_code));
    } else if (WIFSIGNALED(status_)) {
      result_.signal = WTERMSIG(status_);
      const char* name = sigabbrev_np(*result_.signal);
      Note("killed by signal " + std::to_string(*result_.signal) +
           (name ? std::string(" (SIG") + name + ")" : std::string()));
    }
    std::string write_error;
    if (!WriteResultFile(o_.dir + "/" + kAttemptResultFile, FormatAttemptResult(result_),
                         &write_error)) {
      Note("cannot write the result: " + write_error);
      return 1;
    }
    return 0;
  }

  Options o_;
  int signal_fd_;
  int log_fd_ = -1;
  pid_t task_ = 0;
  int status_ = 0;
  bool task_done_ = false;
  bool term_sent_ = false;
  int64_t start_mono_ = 0;
  std::optional<int64_t> sigkill_at_;
  std::optional<int64_t> drain_until_;
  Stream streams_[2] = {{-1, LogLineSplitter("out")}, {-1, LogLineSplitter("err")}};
  AttemptResult result_;
};


// Frames on the zygote's socket: a u32 count, then each string as a u32 length and its bytes.
// Read through a buffer: a request is ~100 small fields, one read() each would be as many
// system calls on the launch path.
class FrameReader {
 public:
  explicit FrameReader(int fd) : fd_(fd) {}

  bool ReadStrings(std::vector<std::string>* out) {
    uint32_t count = 0;
    if (!Read(&count, sizeof count)) return false;
    out->clear();
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t len = 0;
      if (!Read(&len, sizeof len)) return false;
      std::string s(len, '\0');
      if (len > 0 && !Read(s.data(), len)) return false;
      out->push_back(std::move(s));
    }
    return true;
  }

 private:
  bool Read(void* out, size_t n) {
    while (buf_.size() - pos_ < n) {
      buf_.erase(0, pos_);
      pos_ = 0;
      char chunk[64 * 1024];
      ssize_t r = ::read(fd_, chunk, sizeof chunk);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;  // EOF: the executor is gone
      buf_.append(chunk, static_cast<size_t>(r));
    }
    std::memcpy(out, buf_.data() + pos_, n);
    pos_ += n;
    return true;
  }

  int fd_;
  std::string buf_;
  size_t pos_ = 0;
};

void Reply(int fd, int64_t pid, const std::string& error) {
  std::string msg(sizeof pid + sizeof(uint32_t), '\0');
  const uint32_t len = static_cast<uint32_t>(error.size());
  std::memcpy(msg.data(), &pid, sizeof pid);
  std::memcpy(msg.data() + sizeof pid, &len, sizeof len);
  WriteAll(fd, msg + error);
}

// The forked child: becomes the attempt's supervisor. Never returns.
[[noreturn]] void BecomeSupervisor(Options o, std::vector<std::string> env,
                                   const sigset_t& handled) {
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGCHLD, &dfl, nullptr);  // the zygote auto-reaps; a supervisor reaps its task
  ::prctl(PR_SET_PDEATHSIG, 0);
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  ::dup2(null_fd, 0);
  ::dup2(null_fd, 1);
  // The task's environment: leaked on purpose, it lives as long as this process.
  auto* strings = new std::vector<std::string>(std::move(env));
  auto* envp = new std::vector<char*>();
  for (auto& e : *strings) envp->push_back(e.data());
  envp->push_back(nullptr);
  environ = envp->data();
  ::setsid();
  int signal_fd = signalfd(-1, &handled, SFD_CLOEXEC);
  if (signal_fd < 0) ::_exit(1);
  ::_exit(Supervisor(std::move(o), signal_fd).Run());
}

int RunZygote(const sigset_t& handled) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the scheduler that started it
  // Supervisors are reaped by the kernel as they exit; their outcomes are in their folders.
  struct sigaction nocldwait{};
  nocldwait.sa_handler = SIG_DFL;
  nocldwait.sa_flags = SA_NOCLDWAIT;
  ::sigaction(SIGCHLD, &nocldwait, nullptr);
  std::vector<std::string> args;
  std::vector<std::string> env;
  FrameReader requests(0);
  while (requests.ReadStrings(&args) && requests.ReadStrings(&env)) {
    std::vector<char*> argv;
    std::string program = "sluice-supervisor";
    argv.push_back(program.data());
    for (auto& a : args) argv.push_back(a.data());
    Options o;
    std::string error;
    if (!ParseArgs(static_cast<int>(argv.size()), argv.data(), &o, &error)) {
      Reply(1, -1, error);
      continue;
    }
    // o.argv points into `args`: the forked child has its own copy of both, which stays
    // valid because the child never returns from BecomeSupervisor.
    int lock_fd = AcquireLock(o.dir, &error);
    if (lock_fd < 0) {
      Reply(1, -1, error);
      continue;
    }
    pid_t pid = ::fork();
    if (pid == 0) {
      ::fcntl(lock_fd, F_SETFD, FD_CLOEXEC);  // held for life, never passed to the task
      BecomeSupervisor(std::move(o), std::move(env), handled);
    }
    const int fork_errno = errno;
    ::close(lock_fd);  // the child holds the lock through its own descriptor
    if (pid < 0) {
      Reply(1, -1, SysError("fork()", fork_errno));
      continue;
    }
    Reply(1, pid, "");
  }
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  // Blocked before anything else (the executor also spawns us with them blocked), so a Kill
  // that arrives early is queued for the signalfd instead of killing us without a result.
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&handled, sig);
  sigprocmask(SIG_BLOCK, &handled, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (argc == 4 && std::strcmp(argv[1], "--dir") == 0 && std::strcmp(argv[3], "--zygote") == 0) {
    return sluice::RunZygote(handled);
  }
  sluice::Options options;
  std::string error;
  if (!sluice::ParseArgs(argc, argv, &options, &error)) {
    std::fprintf(stderr,
                 "sluice-supervisor: %s\nusage: sluice-supervisor --dir ATTEMPT_DIR "
                 "[--timeout-ms N] [--grace-ms N] [--cwd DIR] -- ARGV...\n",
                 error.c_str());
    return 2;
  }
  setsid();  // its own session: a Ctrl-C at the scheduler's terminal does not reach the task
  int lock_fd = sluice::AcquireLock(options.dir, &error);
  if (lock_fd < 0) {
    std::fprintf(stderr, "sluice-supervisor: %s\n", error.c_str());
    return 3;
  }
  int signal_fd = signalfd(-1, &handled, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::fprintf(stderr, "sluice-supervisor: signalfd(): %s\n", std::strerror(errno));
    return 1;
  }
  return sluice::Supervisor(std::move(options), signal_fd).Run();
}
