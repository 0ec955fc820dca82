// The local executor: attempts run under one long-lived sluice-supervisor, which the scheduler's
// single event loop talks to over a socket (no thread per task, no process per attempt).
#include <fcntl.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include "executor/attempt_result.h"
#include "executor/executor.h"
#include "executor/supervisor_protocol.h"
#include "util/file.h"
#include "util/spawn_setup.h"
#include "util/strings.h"

extern char** environ;

namespace sluice {
namespace {

// An adopted attempt's lock is re-checked this often.
constexpr Duration kLockPollInterval = std::chrono::milliseconds(20);
constexpr const char* kLostError = "lost: supervisor exited without a result";
// A result line is well under this; a log's tail this long holds its last line.
constexpr size_t kLogTailBytes = size_t{16} * 1024;

// Raw syscalls: glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrappers do not link
// from C++.
int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

std::string ErrnoText(const std::string& call, int err) { return call + ": " + std::strerror(err); }

// Whether a supervisor holds the attempt's lock (its log), i.e. the attempt lives. Never judged
// by a pid, which the kernel may have given to another process since.
Result<bool> LockHeld(const std::string& attempt_path) {
  const std::string path = AttemptLogPath(attempt_path);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return false;  // no supervisor ever started it
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

// The last `max` bytes of a file: where an attempt's log keeps its result line.
Result<std::string> ReadTail(const std::string& path, size_t max) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Errno("open(\"" + path + "\")");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = Status::Errno("fstat(\"" + path + "\")");
    ::close(fd);
    return s;
  }
  const size_t size = static_cast<size_t>(st.st_size);
  const size_t n = std::min(size, max);
  std::string out(n, '\0');
  ssize_t got = ::pread(fd, out.data(), n, static_cast<off_t>(size - n));
  Status read = got < 0 ? Status::Errno("pread(\"" + path + "\")") : Status::Ok();
  ::close(fd);
  if (!read.ok()) return read;
  out.resize(static_cast<size_t>(got));
  return out;
}

// The pid of the process holding the attempt's lock (its supervisor), from /proc/locks, or 0.
// Lines read "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF": pid, then the device
// (major:minor in hex) and inode of the locked file.
pid_t LockHolder(const std::string& attempt_path) {
  struct stat st {};
  if (::stat(AttemptLogPath(attempt_path).c_str(), &st) != 0) return 0;
  char id[64];
  std::snprintf(id, sizeof id, "%02x:%02x:%llu", major(st.st_dev), minor(st.st_dev),
                static_cast<unsigned long long>(st.st_ino));
  auto locks = ReadFile("/proc/locks");
  if (!locks.ok()) return 0;
  for (const auto& line : Split(*locks, '\n')) {
    std::vector<std::string> f;
    for (auto& field : Split(line, ' ')) {
      if (!field.empty()) f.push_back(std::move(field));
    }
    // "1:" "FLOCK" "ADVISORY" "WRITE" PID ID ...; blocked waiters are listed as "1: ->".
    if (f.size() >= 6 && f[1] == "FLOCK" && f[5] == id) return std::atoi(f[4].c_str());
  }
  return 0;
}

bool IsSupervisor(pid_t pid) {
  auto comm = ReadFile("/proc/" + std::to_string(pid) + "/comm");
  return comm.ok() && StartsWith(*comm, "sluice-supervis");  // the kernel keeps 15 characters
}

int64_t ToMillisCeil(Duration d) { return d.count() <= 0 ? 0 : (d.count() + 999) / 1000; }

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The supervisor starts with its signals blocked, to be read from its signalfd (so a stop that
// comes before it is ready is queued), and every other handled signal at its default.
void SetSupervisorSignals(SpawnSetup& s) {
  sigset_t blocked;
  sigset_t defaults;
  sigemptyset(&blocked);
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, kStopSignal}) sigaddset(&blocked, sig);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGQUIT}) sigaddset(&defaults, sig);
  ::posix_spawnattr_setsigmask(&s.attr, &blocked);
  ::posix_spawnattr_setsigdefault(&s.attr, &defaults);
  ::posix_spawnattr_setflags(&s.attr,
                             static_cast<short>(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
}

class LocalExecutor final : public Executor {
 public:
  LocalExecutor(std::string supervisor, std::string tag_dir, Clock& clock, EventLoop& loop)
      : supervisor_(std::move(supervisor)),
        tag_dir_(tag_dir.empty() ? "/" : std::move(tag_dir)),
        clock_(clock),
        loop_(loop) {}

  // Closes descriptors only: the supervisor finishes the attempts it has and then exits, and a
  // restarted scheduler adopts them.
  ~LocalExecutor() override {
    for (auto& [key, w] : watched_) {
      if (w.pidfd >= 0) ::close(w.pidfd);
    }
    if (lock_check_ != 0) loop_.CancelTimer(lock_check_);
    if (supervisor_fd_ >= 0) {
      loop_.Unwatch(supervisor_fd_);
      ::close(supervisor_fd_);
    }
  }

  Result<LaunchedAttempt> Launch(const LaunchRequest& req) override {
    if (req.argv.empty()) return Status::Invalid(req.attempt_path + ": empty command");
    if (watched_.count(req.key)) {
      return Status::Precondition(req.attempt_path + ": attempt is already running");
    }
    std::vector<std::string> msg = {kLaunchMessage,
                                    req.attempt_path,
                                    req.timeout ? std::to_string(ToMillisCeil(*req.timeout)) : "",
                                    std::to_string(ToMillisCeil(req.kill_grace)),
                                    std::to_string(req.log_max_bytes),
                                    req.cwd,
                                    std::to_string(req.argv.size())};
    msg.insert(msg.end(), req.argv.begin(), req.argv.end());
    for (const auto& [name, value] : req.env) msg.push_back(name + "=" + value);
    std::string frame;
    AppendFrame(msg, &frame);
    // The supervisor answers when the attempt has ended, not now: a launch costs the scheduler
    // one write. A supervisor that died since the last one is replaced once.
    Status sent;
    for (int attempt = 0; attempt < 2; ++attempt) {
      sent = StartSupervisor();
      if (sent.ok() && SendAll(supervisor_fd_, frame)) break;
      if (sent.ok()) {
        sent = Status::Io(req.attempt_path + ": the supervisor did not take the launch");
      }
      SupervisorGone();
    }
    if (!sent.ok()) return sent;
    const TimePoint now = clock_.Now();
    watched_[req.key] = Watched{req.attempt_path, /*adopted=*/false, -1, false, now};
    by_path_[req.attempt_path] = req.key;
    return LaunchedAttempt{supervisor_pid_, now, AttemptLogPath(req.attempt_path)};
  }

  Status Adopt(const AdoptRequest& req) override {
    if (watched_.count(req.key)) return Status::Ok();
    // The supervisor creates the log first and removes it when it gives up on a launch whose
    // scheduler is gone: without it (or a result) the attempt was never started.
    const std::string log_path = AttemptLogPath(req.attempt_path);
    if (!PathExists(log_path)) {
      return Status::NotFound("attempt never started: no " + log_path);
    }
    // The result is read only once the lock is free: while its supervisor lives, it may be
    // half-written.
    Watched w{req.attempt_path, /*adopted=*/true, -1, false, TimePoint{}};
    auto ended = Recheck(req.key, w);
    if (!ended.ok()) {
      // Cannot tell whether it is alive: reporting it lost lets the retry policy decide.
      ready_.push_back(Lost(req.key, TimePoint{}, "lost: " + ended.status().message()));
      loop_.Wake();
      return ended.status();
    }
    if (*ended) {
      loop_.Wake();  // its outcome is ready: the loop must not sleep before it is taken
    } else {
      watched_[req.key] = w;
      ArmLockCheck();
    }
    return Status::Ok();
  }

  void Kill(const AttemptKey& key) override {
    auto it = watched_.find(key);
    if (it == watched_.end()) return;  // ended already; its outcome is or was in TakeEnded()
    Watched& w = it->second;
    if (!w.adopted) {
      std::string frame;
      AppendFrame({kKillMessage, w.path}, &frame);
      SendAll(supervisor_fd_, frame);  // if it died, its attempts come back from TakeEnded()
    } else if (w.pidfd >= 0) {
      QueueStop(w);
    } else {
      w.kill_requested = true;  // sent once the supervisor is known
    }
  }

  std::vector<AttemptOutcome> TakeEnded() override {
    std::vector<AttemptOutcome> out = std::move(ready_);
    ready_.clear();
    return out;
  }

  size_t Running() const override { return watched_.size(); }

 private:
  struct Watched {
    std::string path;             // the attempt's log is PATH.log
    bool adopted = false;         // run by an earlier scheduler's supervisor: watched by its lock
    int pidfd = -1;               // of an adopted attempt's supervisor, when known (for Kill)
    bool kill_requested = false;  // Kill() came before the supervisor was known
    TimePoint start;              // launch time, for a lost outcome; zero when adopted
  };

  void Forget(const AttemptKey& key, Watched& w) {
    if (w.pidfd >= 0) ::close(w.pidfd);
    w.pidfd = -1;
    if (auto it = by_path_.find(w.path); it != by_path_.end() && it->second == key) {
      by_path_.erase(it);
    }
  }

  // Adopted attempts have no socket to report on: their locks are checked on a timer, every
  // kLockPollInterval while there are any (it paces system calls, not the schedule).
  void ArmLockCheck() {
    if (lock_check_ != 0) return;
    lock_check_ = loop_.AddTimer(loop_.clock().Now() + kLockPollInterval, [this] {
      lock_check_ = 0;
      CheckAdoptedLocks();
    });
  }

  void CheckAdoptedLocks() {
    bool adopted = false;
    for (auto it = watched_.begin(); it != watched_.end();) {
      if (!it->second.adopted) {
        ++it;
        continue;
      }
      auto ended = Recheck(it->first, it->second);
      if (!ended.ok() || *ended) {
        if (!ended.ok()) {
          ready_.push_back(Lost(it->first, it->second.start, "lost: " + ended.status().message()));
        }
        Forget(it->first, it->second);
        it = watched_.erase(it);
        continue;
      }
      adopted = true;
      ++it;
    }
    if (adopted) ArmLockCheck();
  }

  // Starts the supervisor unless one is running, and waits for its hello.
  Status StartSupervisor() {
    if (supervisor_fd_ >= 0) return Status::Ok();
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      return Status::Errno("socketpair()");
    }
    std::vector<std::string> args = {supervisor_, "--dir", tag_dir_, "--serve"};
    std::vector<char*> argv = CStrings(args);
    SpawnSetup s;
    ::posix_spawn_file_actions_adddup2(&s.actions, fds[1], 0);
    // It must not hold the scheduler's terminal or output pipes: whoever reads the scheduler's
    // output would otherwise wait for every task.
    ::posix_spawn_file_actions_addopen(&s.actions, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_adddup2(&s.actions, 1, 2);
    SetSupervisorSignals(s);
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, supervisor_.c_str(), &s.actions, &s.attr, argv.data(), environ);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      return Status::Io(ErrnoText("posix_spawn(\"" + supervisor_ + "\")", rc));
    }
    ::waitpid(pid, nullptr, 0);  // it forks the real supervisor and exits at once
    supervisor_fd_ = fds[0];
    std::vector<std::string> hello;
    if (!ReadFrame(&hello) || hello.size() != 2 || hello[0] != kHelloMessage) {
      SupervisorGone();
      return Status::Io(supervisor_ + " did not start (no hello on its socket)");
    }
    supervisor_pid_ = std::atoll(hello[1].c_str());
    loop_.WatchReadable(supervisor_fd_, [this] { ReadSupervisor(); });
    return Status::Ok();
  }

  // Blocks until one frame has arrived (only the hello is awaited like this).
  bool ReadFrame(std::vector<std::string>* out) {
    while (!from_supervisor_.Next(out)) {
      char buf[4096];
      ssize_t n = ::recv(supervisor_fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      from_supervisor_.Append(buf, static_cast<size_t>(n));
    }
    return true;
  }

  // Takes in what the supervisor sent: ended attempts, or its end.
  void ReadSupervisor() {
    char buf[64 * 1024];
    bool gone = false;
    for (;;) {
      ssize_t n = ::recv(supervisor_fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
      if (n <= 0) {
        gone = true;
        break;
      }
      from_supervisor_.Append(buf, static_cast<size_t>(n));
    }
    std::vector<std::string> msg;
    while (from_supervisor_.Next(&msg)) {
      if (msg.size() != 3 || msg[0] != kEndedMessage) continue;
      auto by_path = by_path_.find(msg[1]);
      if (by_path == by_path_.end()) continue;
      const AttemptKey key = by_path->second;
      auto it = watched_.find(key);
      if (it == watched_.end() || it->second.adopted) continue;
      ready_.push_back(OutcomeFromText(key, it->second.start, msg[2]));
      Forget(key, it->second);
      watched_.erase(it);
    }
    if (gone) SupervisorGone();
  }

  // The supervisor died (or never started): what it ran is judged by its logs and their locks
  // from now on, as after a scheduler restart. Its tasks died with it (PR_SET_PDEATHSIG), so
  // those come back lost unless they had finished.
  void SupervisorGone() {
    if (supervisor_fd_ >= 0) {
      loop_.Unwatch(supervisor_fd_);
      ::close(supervisor_fd_);
    }
    supervisor_fd_ = -1;
    supervisor_pid_ = 0;
    from_supervisor_ = FrameBuffer();
    for (auto& [key, w] : watched_) w.adopted = true;
    if (!watched_.empty()) ArmLockCheck();
  }

  static bool SendAll(int fd, const std::string& data) {
    if (fd < 0) return false;
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Asks an earlier scheduler's supervisor to stop one attempt. The pidfd was opened before
  // its lock was seen held, so it is that supervisor and not a process that reused its pid.
  void QueueStop(Watched& w) {
    siginfo_t info{};
    info.si_signo = kStopSignal;
    info.si_code = SI_QUEUE;
    info.si_pid = ::getpid();
    info.si_uid = ::getuid();
    // The tag is 64 bits and sigval carries 64 only as its pointer member.
    info.si_value.sival_ptr = reinterpret_cast<void*>(  // NOLINT(performance-no-int-to-ptr)
        static_cast<uintptr_t>(AttemptTag(w.path)));
    ::syscall(SYS_pidfd_send_signal, w.pidfd, kStopSignal, &info, 0);
    w.kill_requested = false;
  }

  // Whether an adopted attempt has ended: its supervisor no longer holds the lock. Then its
  // outcome is queued in ready_. While it lives, its supervisor is found (for Kill) as the
  // lock's holder.
  Result<bool> Recheck(const AttemptKey& key, Watched& w) {
    // The pidfd is opened before the lock is checked: if the lock is still held afterwards,
    // its holder was alive all along, so the pid cannot have been reused meanwhile.
    int pidfd = -1;
    if (w.pidfd < 0) {
      const pid_t holder = LockHolder(w.path);
      if (holder > 0) pidfd = PidfdOpen(holder);
      // Only a supervisor gets kStopSignal: to anything else that holds the file it is fatal.
      if (pidfd >= 0 && !IsSupervisor(holder)) {
        ::close(pidfd);
        pidfd = -1;
      }
    }
    auto held = LockHeld(w.path);
    if (!held.ok()) {
      if (pidfd >= 0) ::close(pidfd);
      return held.status();
    }
    if (*held) {
      if (pidfd >= 0) w.pidfd = pidfd;
      if (w.pidfd >= 0 && w.kill_requested) QueueStop(w);
      return false;
    }
    if (pidfd >= 0) ::close(pidfd);
    ready_.push_back(OutcomeFromLog(key, w.path, w.start));
    return true;
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

  // The outcome at the end of the attempt's log, or a lost one when it has none.
  AttemptOutcome OutcomeFromLog(const AttemptKey& key, const std::string& path,
                                TimePoint start) const {
    const std::string log_path = AttemptLogPath(path);
    auto tail = ReadTail(log_path, kLogTailBytes);
    if (!tail.ok()) return Lost(key, start, "lost: " + tail.status().message());
    std::string error;
    auto r = ResultFromLogTail(*tail, &error);
    if (!r && error.empty()) return Lost(key, start);
    if (!r) return Lost(key, start, "lost: bad result in \"" + log_path + "\": " + error);
    return Outcome(key, *r);
  }

  AttemptOutcome OutcomeFromText(const AttemptKey& key, TimePoint start,
                                 const std::string& text) const {
    std::string error;
    auto r = ParseAttemptResult(text, &error);
    if (!r) return Lost(key, start, "lost: bad result from the supervisor: " + error);
    return Outcome(key, *r);
  }

  static AttemptOutcome Outcome(const AttemptKey& key, const AttemptResult& r) {
    AttemptOutcome o;
    o.key = key;
    o.exit_code = r.exit_code;
    o.signal = r.signal;
    o.timed_out = r.timed_out;
    o.error = r.error;
    o.start = TimePoint(Duration(r.start_us));
    o.end = TimePoint(Duration(r.end_us));
    o.log_dropped = r.log_dropped;
    o.log_capped = r.log_capped;
    o.log_error = r.log_error;
    return o;
  }

  const std::string supervisor_;
  const std::string tag_dir_;  // named in the supervisor's command line, for pkill -f
  Clock& clock_;
  EventLoop& loop_;
  EventLoop::TimerId lock_check_ = 0;  // pending lock check of adopted attempts; 0: none
  int supervisor_fd_ = -1;             // our end of the supervisor's socket; -1: none running
  int64_t supervisor_pid_ = 0;
  FrameBuffer from_supervisor_;
  std::map<AttemptKey, Watched> watched_;
  std::map<std::string, AttemptKey> by_path_;  // attempts of the live supervisor, by path
  std::vector<AttemptOutcome> ready_;          // outcomes for the next TakeEnded()
};

}  // namespace

Result<std::unique_ptr<Executor>> CreateLocalExecutor(const std::string& supervisor_path,
                                                      Clock& clock, EventLoop& loop,
                                                      const std::string& tag_dir) {
  if (::access(supervisor_path.c_str(), X_OK) != 0) {
    return Status::Errno("access(\"" + supervisor_path + "\")")
        .WithContext("the task supervisor is missing (build the sluice-supervisor target)");
  }
  return std::unique_ptr<Executor>(
      std::make_unique<LocalExecutor>(supervisor_path, tag_dir, clock, loop));
}

}  // namespace sluice
