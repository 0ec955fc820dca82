#include "tests/testing/small_disk.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sluice::testing {
namespace {

Status SysError(const std::string& what) { return Status::Io(what + ": " + std::strerror(errno)); }

// /proc/self files take one write.
Status WriteProc(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return SysError("open(\"" + path + "\")");
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  Status st = ok ? Status::Ok() : SysError("write(\"" + path + "\")");
  ::close(fd);
  return st;
}

// Maps the caller's ids to root in a new user namespace, so it may mount there.
Status EnterUserNamespace() {
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
    return SysError("unshare(CLONE_NEWUSER | CLONE_NEWNS) (unprivileged user namespaces off?)");
  }
  SLUICE_RETURN_IF_ERROR(WriteProc("/proc/self/setgroups", "deny"));
  SLUICE_RETURN_IF_ERROR(WriteProc("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1"));
  return WriteProc("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
}

}  // namespace

Status MountSmallDisk(const std::string& dir, int64_t bytes) {
  if (::geteuid() == 0) {
    if (::unshare(CLONE_NEWNS) != 0) return SysError("unshare(CLONE_NEWNS)");
  } else {
    SLUICE_RETURN_IF_ERROR(EnterUserNamespace());
  }
  // Mounts made here must not reach the rest of the system.
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return SysError("mount --make-rprivate /");
  }
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    return SysError("mount -t tmpfs -o " + options + " tmpfs " + dir);
  }
  return Status::Ok();
}

void UnmountSmallDisk(const std::string& dir) { ::umount2(dir.c_str(), MNT_DETACH); }

Result<int64_t> FillDisk(const std::string& dir) {
  const std::string path = dir + "/filler";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return SysError("open(\"" + path + "\")");
  static const std::string kChunk(4096, 'x');
  int64_t total = 0;
  for (;;) {
    const ssize_t n = ::write(fd, kChunk.data(), kChunk.size());
    if (n <= 0) break;
    total += n;
  }
  // The last partial page too: byte by byte until the disk takes no more.
  while (::write(fd, "x", 1) == 1) ++total;
  ::close(fd);
  return total;
}

}  // namespace sluice::testing
