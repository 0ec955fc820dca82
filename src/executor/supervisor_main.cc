// sluice-supervisor: one long-lived process that runs a scheduler's task attempts and records
// how each ended.
//
//   sluice-supervisor --dir TAG_DIR --serve
//
// The local executor starts it at its first launch with a socket as stdin and sends it
// `launch` and `kill` messages (supervisor_protocol.h). For each attempt it creates and
// `flock`s ATTEMPT_PATH.log, starts the task in its own process group, time-stamps the task's
// stdout and stderr into that log, enforces the timeout (SIGTERM to the group, SIGKILL after
// the grace period), answers `ended`, ends the log with the result line and frees the lock
// (supervised_attempt.h). One process for all attempts: a task costs its own fork and
// exec and nothing else, and the one event loop here watches every task's pipes at once.
//
// It runs in its own session and is not the scheduler's child (it forks once at start and the
// first process exits), so it outlives a scheduler that is killed: it finishes the attempts it
// has, writes their results, and exits once its socket is closed and it has none left. A later
// scheduler learns of those from the logs and their locks, and stops one by queueing
// kStopSignal with the attempt's tag. SIGTERM, SIGINT or SIGHUP stops every attempt (as a Kill
// would) and ends it. TAG_DIR (e.g. $SLUICE_HOME/logs) only names the process for
// `pkill -f "sluice-supervisor --dir $SLUICE_HOME"`.

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "executor/supervised_attempt.h"
#include "executor/supervisor_protocol.h"

extern char** environ;

namespace sluice {
namespace {

constexpr uint64_t kSocketKey = ~0ull;
constexpr uint64_t kSignalKey = ~1ull;

int64_t MonoUs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

bool ParseCount(const std::string& text, int64_t* out) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || text.empty() || *end != '\0' || v < 0) return false;
  *out = v;
  return true;
}

class SupervisorServer {
 public:
  SupervisorServer(int socket_fd, int signal_fd, int epoll_fd)
      : socket_fd_(socket_fd), signal_fd_(signal_fd), epoll_fd_(epoll_fd) {
    for (char** e = environ; e && *e; ++e) base_env_.emplace_back(*e);
  }

  int Run() {
    Add(socket_fd_, kSocketKey);
    Add(signal_fd_, kSignalKey);
    Send({kHelloMessage, std::to_string(::getpid())});
    epoll_event events[64];
    for (;;) {
      const int64_t now = MonoUs();
      std::optional<int64_t> next;
      for (auto it = attempts_.begin(); it != attempts_.end();) {
        SupervisedAttempt& a = *it->second;
        if (auto t = a.OnClock(now); t && (!next || *t < *next)) next = t;
        if (a.Finishable(now)) {
          Finished(a);
          it = attempts_.erase(it);
        } else {
          ++it;
        }
      }
      Flush();
      if (attempts_.empty() && (socket_fd_ < 0 || stopping_)) return 0;
      const int wait_ms =
          next ? static_cast<int>((std::max<int64_t>(*next - now, 0) + 999) / 1000) : -1;
      const int n = ::epoll_wait(epoll_fd_, events, 64, wait_ms);
      for (int i = 0; i < n; ++i) {
        const uint64_t key = events[i].data.u64;
        if (key == kSocketKey) {
          if (events[i].events & EPOLLOUT) Flush();
          if (reading_ && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) ReadRequests();
        } else if (key == kSignalKey) {
          HandleSignals();
        } else if (auto it = attempts_.find(key >> 1); it != attempts_.end()) {
          it->second->OnReadable(static_cast<int>(key & 1));
        }
      }
    }
  }

 private:
  void Add(int fd, uint64_t key) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = key;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  }

  void ReadRequests() {
    char buf[64 * 1024];
    for (;;) {
      ssize_t n = ::recv(socket_fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
      if (n <= 0) {  // the scheduler is gone: finish what we have, then exit
        ::close(socket_fd_);
        socket_fd_ = -1;
        out_.clear();
        break;
      }
      in_.Append(buf, static_cast<size_t>(n));
    }
    std::vector<std::string> msg;
    while (in_.Next(&msg)) {
      if (msg.size() >= 2 && msg[0] == kLaunchMessage) {
        Launch(msg);
      } else if (msg.size() == 2 && msg[0] == kKillMessage) {
        if (auto it = by_path_.find(msg[1]); it != by_path_.end()) {
          attempts_.at(it->second)->Stop(MonoUs());
        }
      }
    }
  }

  // launch ATTEMPT_PATH TIMEOUT_MS GRACE_MS LOG_MAX_BYTES CWD N ARGV[N]... ENV...
  void Launch(const std::vector<std::string>& msg) {
    AttemptSpec spec;
    spec.path = msg[1];
    int64_t argc = 0;
    int64_t timeout = 0;
    std::string error;
    if (msg.size() < 7 || !ParseCount(msg[6], &argc) || argc < 1 ||
        msg.size() < 7 + static_cast<size_t>(argc) ||
        (!msg[2].empty() && !ParseCount(msg[2], &timeout)) || !ParseCount(msg[3], &spec.grace_ms) ||
        !ParseCount(msg[4], &spec.log_max_bytes)) {
      error = "malformed launch request";
    } else if (stopping_) {
      error = "the supervisor is stopping (it received SIGTERM)";
    }
    if (!msg[2].empty()) spec.timeout_ms = timeout;
    if (error.empty()) {
      spec.cwd = msg[5];
      spec.argv.assign(msg.begin() + 7, msg.begin() + 7 + argc);
      spec.env = MergedEnv(msg.begin() + 7 + argc, msg.end());
    }
    const uint64_t id = next_id_++;
    auto attempt = std::make_unique<SupervisedAttempt>(std::move(spec));
    if (!error.empty()) {
      attempt->Fail(error);
    } else if (attempt->OpenLog()) {
      if (!SchedulerConnected()) {
        // Its scheduler died after asking. The next one finds no log, so it starts the attempt
        // itself; were it started here too, it could run twice. Once the lock is held while the
        // scheduler lives, a later scheduler sees it held and adopts the attempt instead.
        attempt->Abandon();
        return;
      }
      attempt->StartTask(MonoUs());
    }
    for (int i = 0; i < 2; ++i) {
      if (attempt->stream_fd(i) >= 0) {
        Add(attempt->stream_fd(i), id << 1 | static_cast<uint64_t>(i));
      }
    }
    if (attempt->task_pid() > 0) by_pid_[attempt->task_pid()] = id;
    by_path_.emplace(attempt->path(), id);
    by_tag_.emplace(AttemptTag(attempt->path()), id);
    attempts_.emplace(id, std::move(attempt));
  }

  // Whether the scheduler's end of the socket is still open (buffered requests may outlive it).
  bool SchedulerConnected() const {
    if (socket_fd_ < 0) return false;
    pollfd p{socket_fd_, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) == 0 || !(p.revents & (POLLRDHUP | POLLHUP | POLLERR));
  }

  // The supervisor's environment overlaid by a launch's NAME=value entries.
  std::vector<std::string> MergedEnv(std::vector<std::string>::const_iterator begin,
                                     std::vector<std::string>::const_iterator end) const {
    std::unordered_map<std::string_view, bool> overridden;
    for (auto it = begin; it != end; ++it) {
      overridden[std::string_view(*it).substr(0, it->find('='))] = true;
    }
    std::vector<std::string> env;
    env.reserve(base_env_.size() + overridden.size());
    for (const auto& e : base_env_) {
      if (!overridden.count(std::string_view(e).substr(0, e.find('=')))) env.push_back(e);
    }
    env.insert(env.end(), begin, end);
    return env;
  }

  // The scheduler hears of the end first, so that its next turn overlaps the rest: the result
  // line in the log is for a later scheduler, should this one die before it commits.
  void Finished(SupervisedAttempt& a) {
    const std::string result = a.Conclude();
    Send({kEndedMessage, a.path(), result});
    Flush();
    a.Record(result);
    by_path_.erase(a.path());
    by_tag_.erase(AttemptTag(a.path()));
  }

  void HandleSignals() {
    signalfd_siginfo infos[16];
    ssize_t n = ::read(signal_fd_, infos, sizeof infos);
    if (n <= 0) return;
    for (size_t i = 0; i < static_cast<size_t>(n) / sizeof infos[0]; ++i) {
      const auto sig = static_cast<int>(infos[i].ssi_signo);
      if (sig == SIGCHLD) {
        ReapChildren();
      } else if (sig == kStopSignal) {
        // From a later scheduler, which names the attempt by its tag; anything else is noise.
        if (infos[i].ssi_code != SI_QUEUE) continue;
        if (auto it = by_tag_.find(infos[i].ssi_ptr); it != by_tag_.end()) {
          attempts_.at(it->second)->Stop(MonoUs());
        }
      } else if (!stopping_) {
        Stopping();
      }
    }
  }

  // Told to stop (SIGTERM, SIGINT, SIGHUP): every attempt is stopped as by a Kill, and no new
  // one is taken. Launches already sent are answered with an error; later ones fail to send,
  // so the executor starts a new supervisor for them.
  void Stopping() {
    stopping_ = true;
    if (socket_fd_ >= 0) {
      ReadRequests();
    }
    if (socket_fd_ >= 0) {
      ::shutdown(socket_fd_, SHUT_RD);
      reading_ = false;
      Watch(false);
    }
    for (auto& [id, a] : attempts_) a->Stop(MonoUs());
  }

  void ReapChildren() {
    for (;;) {
      siginfo_t info{};
      // Peek without reaping: a task stays a zombie until its attempt has SIGKILLed the rest
      // of its group, so that group id cannot belong to a stranger by then.
      if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) {
        return;
      }
      if (auto it = by_pid_.find(info.si_pid); it != by_pid_.end()) {
        attempts_.at(it->second)->OnTaskExit(MonoUs());  // reaps it
        by_pid_.erase(it);
      } else {
        ::waitpid(info.si_pid, nullptr, 0);  // an orphan of some task, re-parented to us
      }
    }
  }

  void Send(const std::vector<std::string>& msg) {
    if (socket_fd_ >= 0) AppendFrame(msg, &out_);
  }

  // Writes what the socket takes without blocking: a scheduler that is slow to read must not
  // stall the timeouts of running tasks.
  void Flush() {
    while (socket_fd_ >= 0 && !out_.empty()) {
      ssize_t n = ::send(socket_fd_, out_.data(), out_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
      if (n <= 0) {
        out_.clear();  // the scheduler is gone; the results are in the attempts' logs
        break;
      }
      out_.erase(0, static_cast<size_t>(n));
    }
    const bool want_out = socket_fd_ >= 0 && !out_.empty();
    if (want_out != waiting_to_write_) Watch(want_out);
  }

  void Watch(bool want_out) {
    epoll_event ev{};
    ev.events = (reading_ ? EPOLLIN : 0u) | (want_out ? EPOLLOUT : 0u);
    ev.data.u64 = kSocketKey;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, socket_fd_, &ev);
    waiting_to_write_ = want_out;
  }

  int socket_fd_;
  const int signal_fd_;
  const int epoll_fd_;
  std::vector<std::string> base_env_;
  FrameBuffer in_;
  std::string out_;
  bool waiting_to_write_ = false;
  bool reading_ = true;  // false once stopping: the socket's read side is shut
  bool stopping_ = false;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::unique_ptr<SupervisedAttempt>> attempts_;
  std::unordered_map<pid_t, uint64_t> by_pid_;
  std::unordered_map<std::string, uint64_t> by_path_;
  std::unordered_map<uint64_t, uint64_t> by_tag_;
};

// Leaves the scheduler's process tree: the process the executor started exits at once (the
// executor reaps it), and its child carries on, re-parented to init or a subreaper. So a
// scheduler that lives on after its executor is gone has no zombie to collect later.
void Detach() {
  pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("sluice-supervisor: fork");
    ::_exit(1);
  }
  if (pid > 0) ::_exit(0);
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  // Blocked before anything else (the executor also starts us with them blocked): they are read
  // from the signalfd, so a stop that arrives early is queued, not fatal.
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, sluice::kStopSignal}) sigaddset(&handled, sig);
  sigprocmask(SIG_BLOCK, &handled, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (argc != 4 || std::strcmp(argv[1], "--dir") != 0 || std::strcmp(argv[3], "--serve") != 0) {
    std::fprintf(stderr,
                 "usage: sluice-supervisor --dir TAG_DIR --serve\n"
                 "(started by the scheduler's local executor, which talks to it on stdin)\n");
    return 2;
  }
  sluice::Detach();
  ::setsid();  // no-op when the executor already made us a session leader's child
  // Orphans of tasks are re-parented to us, so we reap them and none stays a zombie.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  sluice::SetUpSupervisorProcess();
  // The socket moves off stdin to a descriptor tasks do not inherit.
  const int socket_fd = ::fcntl(0, F_DUPFD_CLOEXEC, 3);
  const int null_fd = ::open("/dev/null", O_RDWR);
  if (socket_fd < 0 || null_fd < 0) return 1;
  ::dup2(null_fd, 0);
  ::dup2(null_fd, 1);
  if (null_fd > 2) ::close(null_fd);
  const int signal_fd = signalfd(-1, &handled, SFD_CLOEXEC);
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (signal_fd < 0 || epoll_fd < 0) return 1;
  return sluice::SupervisorServer(socket_fd, signal_fd, epoll_fd).Run();
}
