#pragma once
// posix_spawn's attribute and file-action objects, owned so that every exit path destroys them.
// Used by everything that starts a process: the DAG generator runner and the executor.

#include <spawn.h>

namespace sluice {

struct SpawnSetup {
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
};

}  // namespace sluice
