#pragma once
// A small disk for tests of what a full disk does: a tmpfs of a given size mounted on a folder,
// in a mount namespace of the test process's own (so nothing outside the test sees it, and it
// goes when the process ends). Processes the test starts afterwards (a supervisor, a
// scheduler) see it too.

#include <cstdint>
#include <string>

#include "sluice/status.h"

namespace sluice::testing {

// Mounts a tmpfs of `bytes` (rounded up to pages) on `dir`, which must exist. As root it only
// needs a new mount namespace; otherwise it also enters a user namespace (which needs the
// process to be single-threaded). The error says why it could not.
Status MountSmallDisk(const std::string& dir, int64_t bytes);

// Unmounts what MountSmallDisk mounted (lazily: open files keep it alive until closed).
void UnmountSmallDisk(const std::string& dir);

// Fills the file system of `dir` with a file `dir`/filler until a write fails, and returns how
// many bytes it took.
Result<int64_t> FillDisk(const std::string& dir);

}  // namespace sluice::testing
