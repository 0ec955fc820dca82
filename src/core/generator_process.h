#pragma once
// Running a DAG generator (`*.dag`) to completion with a time limit, capturing its output.
// Real processes and real time: this is the one part of core with side effects.

#include <string>

#include "sluice/clock.h"
#include "sluice/status.h"

namespace sluice {

struct GeneratorRun {
  bool timed_out = false;
  int exit_status = 0;  // when it exited normally
  int signal = 0;       // when a signal ended it (not ours)
  std::string out;      // stdout
  std::string err;      // stderr
};

// Starts `path` (stdin /dev/null, cwd `cwd`) in its own process group; reads stdout and stderr
// until it exits, then kills whatever it left behind in its group. At `time_limit` the whole
// group gets SIGKILL and the result says timed_out. Errors: the spawn failed, or the output
// passed 64 MiB.
Result<GeneratorRun> RunGenerator(const std::string& path, const std::string& cwd,
                                  Duration time_limit);

}  // namespace sluice
