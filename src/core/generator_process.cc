#include "core/generator_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "util/spawn_setup.h"

extern char** environ;

namespace sluice {
namespace {

constexpr size_t kMaxOutput = 64u << 20;

// Closes a descriptor once, at scope exit or on demand.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() { Reset(-1); }
  void Reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

Status MakePipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::Errno("pipe2()");
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
  return Status::Ok();
}

int RemainingMs(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

}  // namespace

Result<GeneratorRun> RunGenerator(const std::string& path, const std::string& cwd,
                                  Duration time_limit) {
  Fd out_r, out_w, err_r, err_w;
  SLUICE_RETURN_IF_ERROR(MakePipe(out_r, out_w));
  SLUICE_RETURN_IF_ERROR(MakePipe(err_r, err_w));

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err_w.get(), 2);
  posix_spawn_file_actions_addchdir_np(&setup.actions, cwd.c_str());
  // Its own process group, so a timeout kills everything it started; default signal handling
  // and an empty mask, whatever the scheduler uses for itself.
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setsigmask(&setup.attr, &empty);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv = {const_cast<char*>(path.c_str()), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, path.c_str(), &setup.actions, &setup.attr, argv.data(), environ);
  if (rc != 0) {
    return Status::Io("posix_spawn(\"" + path + "\"): " + std::strerror(rc));
  }
  out_w.Close();
  err_w.Close();

  GeneratorRun run;
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(time_limit);
  bool exited = false;
  int wait_status = 0;
  bool too_big = false;
  char buf[65536];
  while (out_r.get() >= 0 || err_r.get() >= 0 || !exited) {
    if (!exited) {
      pid_t w = waitpid(pid, &wait_status, WNOHANG);
      if (w == pid) {
        exited = true;
        // Whatever it left running in its group would hold our pipes open: end it now.
        kill(-pid, SIGKILL);
      }
    }
    int left = RemainingMs(deadline);
    if (left == 0 || too_big) {
      kill(-pid, SIGKILL);
      if (!exited) waitpid(pid, &wait_status, 0);
      run.timed_out = !too_big;
      if (too_big) return Status::Invalid("generator printed more than 64 MiB");
      return run;
    }
    pollfd fds[2] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}};
    // Short waits while the child runs, so its exit is seen even if its pipes stay quiet.
    int n = poll(fds, 2, std::min(left, 20));
    if (n < 0 && errno != EINTR) {
      Status st = Status::Errno("poll()");
      kill(-pid, SIGKILL);
      if (!exited) waitpid(pid, &wait_status, 0);
      return st;
    }
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      Fd& fd = i == 0 ? out_r : err_r;
      std::string& sink = i == 0 ? run.out : run.err;
      ssize_t got = read(fd.get(), buf, sizeof buf);
      if (got > 0) {
        sink.append(buf, static_cast<size_t>(got));
        too_big = sink.size() > kMaxOutput;
      } else if (got == 0 || errno != EINTR) {
        fd.Close();
      }
    }
  }
  if (WIFEXITED(wait_status)) {
    run.exit_status = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    run.signal = WTERMSIG(wait_status);
  }
  return run;
}

}  // namespace sluice
