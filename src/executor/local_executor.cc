// The local executor: each attempt runs under its own sluice-supervisor process, watched
// through a pidfd from the scheduler's single event loop (no thread per task).
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include "executor/attempt_result.h"
#include "executor/executor.h"
#include "util/file.h"
#include "util/spawn_setup.h"

extern char** environ;

namespace sluice {
namespace {

constexpr int kLockFdInSupervisor = 3;  // see AcquireLock in supervisor_main.cc
// While an adopted supervisor's pid is unknown, its lock is re-checked this often.
constexpr Duration kLockPollInterval = std::chrono::milliseconds(20);
constexpr const char* kLostError = "lost: supervisor exited without a result";

// Raw syscalls: glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrappers do not link
// from C++.
int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
void PidfdSignal(int pidfd, int sig) { ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0); }

std::string Path(const std::string& dir, const char* name) { return dir + "/" + name; }

std::string ErrnoText(const std::string& call, int err) {
  return call + ": " + std::strerror(err);
}

// Whether a process holds the attempt's lock, i.e. its supervisor is alive. Never judged by
// a pid, which the kernel may have given to another process since.
Result<bool> LockHeld(const std::string& dir) {
  const std::string& path = dir;  // the supervisor locks its attempt directory
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return false;  // no supervisor ever started here
    return Status::Errno("open(\"" + path + "\")");
  }
  bool held = false;
  Status st;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      held = true;
    } else {
      st = Status::Errno("flock(\"" + path + "\")");
    }
  }
  ::close(fd);  // also releases the lock if we just took it
  if (!st.ok()) return st;
  return held;
}

int64_t ToMillisCeil(Duration d) {
  return d.count() <= 0 ? 0 : (d.count() + 999) / 1000;
}

// The scheduler's environment overlaid by the request's, as "NAME=value" strings.
std::vector<std::string> MergedEnv(const std::map<std::string, std::string>& overlay) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    std::string name(entry.substr(0, entry.find('=')));
    if (!overlay.count(name)) env.emplace_back(entry);
  }
  for (const auto& [name, value] : overlay) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// A supervisor (or the zygote, whose forks become supervisors) starts with its stop signals
// blocked, to be read from its signalfd, and every other handled signal at its default.
void SetSupervisorSignals(SpawnSetup& s, int extra_flags) {
  sigset_t blocked;
  sigset_t defaults;
  sigemptyset(&blocked);
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&blocked, sig);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGQUIT}) sigaddset(&defaults, sig);
  ::posix_spawnattr_setsigmask(&s.attr, &blocked);
  ::posix_spawnattr_setsigdefault(&s.attr, &defaults);
  ::posix_spawnattr_setflags(
      &s.attr, static_cast<short>(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | extra_flags));
}

class LocalExecutor final : public Executor {
 public:
  LocalExecutor(std::string supervisor, std::string tag_dir, Clock& clock, int wake_fd)
      : supervisor_(std::move(supervisor)),
        tag_dir_(tag_dir.empty() ? "/" : std::move(tag_dir)),
        clock_(clock),
        wake_fd_(wake_fd) {}

  // Closes descriptors only: running supervisors keep their tasks going, and a restarted
  // scheduler adopts them.
  ~LocalExecutor() override {
    for (auto& [key, w] : watched_) {
      if (w.pidfd >= 0) ::close(w.pidfd);
    }
    ::close(wake_fd_);
    StopZygote();
  }

  Result<LaunchedAttempt> Launch(const LaunchRequest& req) override {
    if (req.argv.empty()) return Status::Invalid(req.attempt_dir + ": empty command");
    if (watched_.count(req.key)) {
      return Status::Precondition(req.attempt_dir + ": attempt is already running");
    }
    SLUICE_RETURN_IF_ERROR(MakeDirs(req.attempt_dir));
    // Files of an earlier supervisor in this directory must not be mistaken for this one's.
    ::unlink(Path(req.attempt_dir, kAttemptResultFile).c_str());
    if (auto via_zygote = LaunchViaZygote(req)) {
      if (!via_zygote->ok()) return via_zygote->status();
      return Watch(req, **via_zygote);
    }
    // No zygote (it could not be started or died): exec the supervisor directly.
    const std::string& lock_path = req.attempt_dir;  // the directory itself is the lock
    int lock_fd = ::open(lock_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lock_fd < 0) return Status::Errno("open(\"" + lock_path + "\")");
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      Status st = errno == EWOULDBLOCK
                      ? Status::Precondition(req.attempt_dir +
                                             ": attempt is already running (its lock is held)")
                      : Status::Errno("flock(\"" + lock_path + "\")");
      ::close(lock_fd);
      return st;
    }
    if (lock_fd == kLockFdInSupervisor) {
      // dup2 onto itself would leave FD_CLOEXEC set and the supervisor without its lock.
      int moved = ::fcntl(lock_fd, F_DUPFD_CLOEXEC, kLockFdInSupervisor + 1);
      ::close(lock_fd);
      if (moved < 0) return Status::Errno("fcntl(F_DUPFD_CLOEXEC)");
      lock_fd = moved;
    }
    auto pid = Spawn(req, lock_fd);
    ::close(lock_fd);  // the supervisor holds the lock through its own copy now
    if (!pid.ok()) return pid.status();

    int pidfd = PidfdOpen(*pid);
    if (pidfd < 0) {
      Status st = Status::Errno("pidfd_open(" + std::to_string(*pid) + ")");
      ::kill(*pid, SIGKILL);  // it cannot be watched, so it must not run
      ::waitpid(*pid, nullptr, 0);
      return st;
    }
    const TimePoint now = clock_.Now();
    watched_[req.key] = Watched{req.attempt_dir, pidfd, /*kill_requested=*/false, now};
    return LaunchedAttempt{*pid, now, Path(req.attempt_dir, kAttemptLogFile)};
  }

  Status Adopt(const AdoptRequest& req) override {
    if (watched_.count(req.key)) return Status::Ok();
    // Launch creates the directory first: without it the attempt was never started.
    if (!PathExists(req.attempt_dir)) {
      return Status::NotFound("attempt never started: no " + req.attempt_dir);
    }
    // A launcher that died between creating the directory and starting the supervisor leaves
    // no trace of one: no result, no log, and a lock nobody holds.
    if (!PathExists(Path(req.attempt_dir, kAttemptResultFile)) &&
        !PathExists(Path(req.attempt_dir, kAttemptLogFile))) {
      auto held = LockHeld(req.attempt_dir);
      if (held.ok() && !*held) {
        return Status::NotFound("attempt never started: no supervisor in " + req.attempt_dir);
      }
    }
    // The result is read only once the lock is free: while its supervisor lives, it may be
    // half-written.
    Watched w{req.attempt_dir, -1, false, TimePoint{}};
    Status st = Recheck(req.key, w, static_cast<pid_t>(req.pid));
    if (st.ok() && w.pidfd == -2) return Status::Ok();  // ended: its outcome is in ready_
    if (!st.ok()) {
      // Cannot tell whether it is alive: reporting it lost lets the retry policy decide.
      AttemptOutcome o = Lost(req.key, TimePoint{});
      o.error = "lost: " + st.message();
      ready_.push_back(std::move(o));
      return st;
    }
    watched_[req.key] = w;
    return Status::Ok();
  }

  void Kill(const AttemptKey& key) override {
    auto it = watched_.find(key);
    if (it == watched_.end()) return;  // ended already; its outcome is or was in Wait()
    if (it->second.pidfd >= 0) {
      PidfdSignal(it->second.pidfd, SIGTERM);
    } else {
      it->second.kill_requested = true;  // sent once its pid is known
    }
  }

  std::vector<AttemptOutcome> Wait(Duration max_wait) override {
    std::vector<AttemptOutcome> out = std::move(ready_);
    ready_.clear();
    bool polling_locks = false;
    for (auto it = watched_.begin(); it != watched_.end();) {
      if (it->second.pidfd >= 0) {
        ++it;
        continue;
      }
      Status st = Recheck(it->first, it->second, 0);
      if (!st.ok() || it->second.pidfd == -2) {
        if (!st.ok()) out.push_back(Lost(it->first, it->second.start, "lost: " + st.message()));
        it = watched_.erase(it);
        continue;
      }
      polling_locks = polling_locks || it->second.pidfd < 0;
      ++it;
    }
    for (auto& o : ready_) out.push_back(std::move(o));
    ready_.clear();

    Duration wait = out.empty() ? std::max(max_wait, Duration(0)) : Duration(0);
    if (polling_locks) wait = std::min(wait, kLockPollInterval);
    std::vector<pollfd> fds;
    std::vector<const AttemptKey*> keys;
    fds.reserve(watched_.size() + 1);
    fds.push_back({wake_fd_, POLLIN, 0});
    for (const auto& [key, w] : watched_) {
      if (w.pidfd < 0) continue;
      fds.push_back({w.pidfd, POLLIN, 0});
      keys.push_back(&key);
    }
    timespec ts{static_cast<time_t>(wait.count() / 1000000),
                static_cast<long>(wait.count() % 1000000) * 1000};
    int n = ::ppoll(fds.data(), fds.size(), &ts, nullptr);
    if (n <= 0) return out;  // timeout, or EINTR: the caller loops
    if (fds[0].revents & POLLIN) {
      uint64_t count = 0;
      ssize_t ignored = ::read(wake_fd_, &count, sizeof count);
      (void)ignored;
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const AttemptKey key = *keys[i - 1];
      auto it = watched_.find(key);
      Watched w = it->second;
      watched_.erase(it);
      // Reaps the supervisor if it is our child (launched by this process); a supervisor
      // adopted from a previous scheduler is not, and then this is a harmless ECHILD.
      siginfo_t info{};
      ::waitid(P_PIDFD, static_cast<id_t>(w.pidfd), &info, WEXITED | WNOHANG);
      ::close(w.pidfd);
      out.push_back(OutcomeFromDir(key, w.dir, w.start));
    }
    return out;
  }

  void Wake() override {
    const uint64_t one = 1;
    ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
    (void)ignored;
  }

  size_t Running() const override { return watched_.size(); }

 private:
  struct Watched {
    std::string dir;
    int pidfd = -1;               // -1: pid not known yet (adopted); -2: ended (transient)
    bool kill_requested = false;  // Kill() came before the pid was known
    TimePoint start;              // launch time, for a lost outcome; zero when adopted
  };

  // Starts watching a supervisor the zygote forked (not our child, so never waited for).
  Result<LaunchedAttempt> Watch(const LaunchRequest& req, pid_t pid) {
    const TimePoint now = clock_.Now();
    const std::string log_path = Path(req.attempt_dir, kAttemptLogFile);
    int pidfd = PidfdOpen(pid);
    if (pidfd < 0) {
      // It ended (and was reaped) before we looked: its result is in its folder. The pid
      // cannot have been reused in these microseconds, and its lock would tell if it had.
      ready_.push_back(OutcomeFromDir(req.key, req.attempt_dir, now));
      return LaunchedAttempt{pid, now, log_path};
    }
    watched_[req.key] = Watched{req.attempt_dir, pidfd, /*kill_requested=*/false, now};
    return LaunchedAttempt{pid, now, log_path};
  }

  // Sends the launch to the zygote. nullopt when there is no working zygote (the caller then
  // execs the supervisor itself); otherwise the supervisor's pid or the zygote's refusal.
  std::optional<Result<pid_t>> LaunchViaZygote(const LaunchRequest& req) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (zygote_fd_ < 0 && !StartZygote()) return std::nullopt;
      std::vector<std::string> args = SupervisorArgs(req);
      args.erase(args.begin());  // the program name
      std::string frame;
      AppendStrings(&frame, args);
      AppendStrings(&frame, MergedEnv(req.env));
      int64_t pid = -1;
      uint32_t len = 0;
      if (SendAll(zygote_fd_, frame) && RecvAll(zygote_fd_, &pid, sizeof pid) &&
          RecvAll(zygote_fd_, &len, sizeof len)) {
        std::string error(len, '\0');
        if (len == 0 || RecvAll(zygote_fd_, error.data(), len)) {
          if (pid > 0) return Result<pid_t>(static_cast<pid_t>(pid));
          return Result<pid_t>(Status::Io(req.attempt_dir + ": " + error));
        }
      }
      StopZygote();  // it died mid-request: start a fresh one and try once more
    }
    return std::nullopt;
  }

  bool StartZygote() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return false;
    std::vector<std::string> args = {supervisor_, "--dir", tag_dir_, "--zygote"};
    std::vector<char*> argv = CStrings(args);
    SpawnSetup s;
    ::posix_spawn_file_actions_adddup2(&s.actions, fds[1], 0);
    ::posix_spawn_file_actions_adddup2(&s.actions, fds[1], 1);
    ::posix_spawn_file_actions_addopen(&s.actions, 2, "/dev/null", O_WRONLY, 0);
    // Its children (the supervisors) inherit this mask: stop signals wait for their signalfd.
    SetSupervisorSignals(s, 0);
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, supervisor_.c_str(), &s.actions, &s.attr, argv.data(), environ);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      return false;
    }
    zygote_fd_ = fds[0];
    zygote_pid_ = pid;
    return true;
  }

  // Closing its socket ends the zygote; supervisors it forked are not affected.
  void StopZygote() {
    if (zygote_fd_ >= 0) ::close(zygote_fd_);
    zygote_fd_ = -1;
    if (zygote_pid_ > 0) ::waitpid(zygote_pid_, nullptr, 0);
    zygote_pid_ = -1;
  }

  static void AppendStrings(std::string* out, const std::vector<std::string>& strings) {
    auto put = [out](uint32_t v) { out->append(reinterpret_cast<const char*>(&v), sizeof v); };
    put(static_cast<uint32_t>(strings.size()));
    for (const auto& s : strings) {
      put(static_cast<uint32_t>(s.size()));
      out->append(s);
    }
  }

  static bool SendAll(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  static bool RecvAll(int fd, void* buf, size_t size) {
    char* p = static_cast<char*>(buf);
    while (size > 0) {
      ssize_t n = ::recv(fd, p, size, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      p += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  std::vector<std::string> SupervisorArgs(const LaunchRequest& req) const {
    std::vector<std::string> args = {supervisor_, "--dir", req.attempt_dir};
    if (req.timeout) {
      args.insert(args.end(), {"--timeout-ms", std::to_string(ToMillisCeil(*req.timeout))});
    }
    args.insert(args.end(), {"--grace-ms", std::to_string(ToMillisCeil(req.kill_grace))});
    if (!req.cwd.empty()) args.insert(args.end(), {"--cwd", req.cwd});
    args.push_back("--");
    args.insert(args.end(), req.argv.begin(), req.argv.end());
    return args;
  }

  Result<pid_t> Spawn(const LaunchRequest& req, int lock_fd) {
    std::vector<std::string> args = SupervisorArgs(req);
    std::vector<std::string> env = MergedEnv(req.env);
    std::vector<char*> argv = CStrings(args);
    std::vector<char*> envp = CStrings(env);

    SpawnSetup s;
    // The supervisor must not hold the scheduler's terminal or output pipes: whoever reads
    // the scheduler's output would otherwise wait for every task.
    ::posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_addopen(&s.actions, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_adddup2(&s.actions, 1, 2);
    ::posix_spawn_file_actions_adddup2(&s.actions, lock_fd, kLockFdInSupervisor);
    // Spawned with its stop signals blocked, so a Kill() that comes before the supervisor has
    // set up its signalfd is queued rather than killing it without a result.
    SetSupervisorSignals(s, POSIX_SPAWN_SETSID);
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, supervisor_.c_str(), &s.actions, &s.attr, argv.data(),
                           envp.data());
    if (rc != 0) return Status::Io(ErrnoText("posix_spawn(\"" + supervisor_ + "\")", rc));
    return pid;
  }

  // Finds out whether an adopted supervisor whose pid was unknown is alive. On return,
  // w.pidfd is >= 0 (watch it), -1 (lock held, pid still unknown: check again later) or -2
  // (it ended; its outcome was queued).
  Status Recheck(const AttemptKey& key, Watched& w, pid_t hint) {
    const pid_t pid = hint;
    // The pidfd is opened before the lock is checked: if the lock is still held afterwards,
    // its holder was alive all along, so the pid cannot have been reused meanwhile.
    int pidfd = pid > 0 ? PidfdOpen(pid) : -1;
    auto held = LockHeld(w.dir);
    if (!held.ok()) {
      if (pidfd >= 0) ::close(pidfd);
      return held.status();
    }
    if (*held) {
      w.pidfd = pidfd;
      if (pidfd >= 0 && w.kill_requested) PidfdSignal(pidfd, SIGTERM);
      return Status::Ok();
    }
    if (pidfd >= 0) ::close(pidfd);
    w.pidfd = -2;
    ready_.push_back(OutcomeFromDir(key, w.dir, w.start));
    return Status::Ok();
  }

  AttemptOutcome Lost(const AttemptKey& key, TimePoint start,
                      std::string error = kLostError) const {
    AttemptOutcome o;
    o.key = key;
    o.lost = true;
    o.error = std::move(error);
    o.start = start;
    o.end = clock_.Now();
    return o;
  }

  // The outcome the supervisor recorded, or a lost one when it wrote none.
  AttemptOutcome OutcomeFromDir(const AttemptKey& key, const std::string& dir,
                                TimePoint start) const {
    const std::string path = Path(dir, kAttemptResultFile);
    auto text = ReadFile(path);
    if (!text.ok()) return Lost(key, start);
    std::string error;
    auto r = ParseAttemptResult(*text, &error);
    if (!r) return Lost(key, start, "lost: bad result file \"" + path + "\": " + error);
    AttemptOutcome o;
    o.key = key;
    o.exit_code = r->exit_code;
    o.signal = r->signal;
    o.timed_out = r->timed_out;
    o.error = r->error;
    o.start = TimePoint(Duration(r->start_us));
    o.end = TimePoint(Duration(r->end_us));
    return o;
  }

  const std::string supervisor_;
  const std::string tag_dir_;  // named in the zygote's command line, for pkill -f
  int zygote_fd_ = -1;         // our end of the zygote's socket; -1: none running
  pid_t zygote_pid_ = -1;
  Clock& clock_;
  const int wake_fd_;
  std::map<AttemptKey, Watched> watched_;
  std::vector<AttemptOutcome> ready_;  // ended adopted attempts, returned by the next Wait()
};

}  // namespace

Result<std::unique_ptr<Executor>> CreateLocalExecutor(const std::string& supervisor_path,
                                                      Clock& clock, const std::string& tag_dir) {
  if (::access(supervisor_path.c_str(), X_OK) != 0) {
    return Status::Errno("access(\"" + supervisor_path + "\")")
        .WithContext("the task supervisor is missing (build the sluice-supervisor target)");
  }
  int wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) return Status::Errno("eventfd()");
  return std::unique_ptr<Executor>(
      std::make_unique<LocalExecutor>(supervisor_path, tag_dir, clock, wake_fd));
}

}  // namespace sluice
