#include "core/generator_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
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

// Closes both ends of a pipe unless released.
struct Pipe {
  int read = -1;
  int write = -1;
  ~Pipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
};

Status MakePipe(Pipe& p) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::Errno("pipe2()");
  p.read = fds[0];
  p.write = fds[1];
  // The read end never blocks: a scheduler reads what is there and goes back to its loop.
  if (fcntl(p.read, F_SETFL, O_NONBLOCK) != 0) return Status::Errno("fcntl(O_NONBLOCK)");
  return Status::Ok();
}

int RemainingMs(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

}  // namespace

Result<std::unique_ptr<GeneratorProcess>> GeneratorProcess::Start(const std::string& path,
                                                                  const std::string& cwd) {
  Pipe out, err;
  SLUICE_RETURN_IF_ERROR(MakePipe(out));
  SLUICE_RETURN_IF_ERROR(MakePipe(err));

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out.write, 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write, 2);
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
  std::unique_ptr<GeneratorProcess> p(new GeneratorProcess());
  p->pid_ = pid;
  // Not reaped yet, so the pid cannot have been reused: the pidfd names this process.
  // The syscall itself: glibc 2.36's <sys/pidfd.h> lacks C linkage for C++.
  p->exit_fd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (p->exit_fd_ < 0) {
    Status st = Status::Errno("pidfd_open()");
    p->Kill();
    return st;
  }
  p->out_fd_ = std::exchange(out.read, -1);
  p->err_fd_ = std::exchange(err.read, -1);
  return p;
}

GeneratorProcess::~GeneratorProcess() {
  if (!done()) Kill();
}

void GeneratorProcess::CloseFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

Status GeneratorProcess::Read(int fd) {
  if (fd < 0 || (fd != out_fd_ && fd != err_fd_)) return Status::Ok();
  std::string& sink = fd == out_fd_ ? run_.out : run_.err;
  char buf[65536];
  for (;;) {
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got > 0) {
      sink.append(buf, static_cast<size_t>(got));
      if (sink.size() > kMaxOutput) {
        Kill();
        run_.timed_out = false;
        return Status::Invalid("generator printed more than 64 MiB");
      }
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno == EAGAIN) return Status::Ok();
    CloseFd(fd == out_fd_ ? &out_fd_ : &err_fd_);  // its end, or an error reading it
    return Status::Ok();
  }
}

void GeneratorProcess::Reap() {
  if (exit_fd_ < 0) return;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return;
  // Whatever it left running in its group would hold our pipes open: end it now.
  ::kill(-pid_, SIGKILL);
  CloseFd(&exit_fd_);
  if (WIFEXITED(status)) {
    run_.exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    run_.signal = WTERMSIG(status);
  }
}

void GeneratorProcess::Kill() {
  ::kill(-pid_, SIGKILL);
  if (exit_fd_ >= 0) {
    ::waitpid(pid_, nullptr, 0);
    CloseFd(&exit_fd_);
  }
  CloseFd(&out_fd_);
  CloseFd(&err_fd_);
  run_.timed_out = true;
}

Result<GeneratorRun> RunGenerator(const std::string& path, const std::string& cwd,
                                  Duration time_limit) {
  SLUICE_ASSIGN_OR_RETURN(auto process, GeneratorProcess::Start(path, cwd));
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(time_limit);
  while (!process->done()) {
    int left = RemainingMs(deadline);
    if (left == 0) {
      process->Kill();
      break;
    }
    pollfd fds[3] = {{process->stdout_fd(), POLLIN, 0},
                     {process->stderr_fd(), POLLIN, 0},
                     {process->exit_fd(), POLLIN, 0}};
    int n = poll(fds, 3, left);
    if (n < 0 && errno != EINTR) return Status::Errno("poll()");
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && fds[i].revents != 0) SLUICE_RETURN_IF_ERROR(process->Read(fds[i].fd));
    }
    if (fds[2].fd >= 0 && fds[2].revents != 0) process->Reap();
  }
  return process->result();
}

}  // namespace sluice
