#pragma once
// Runs of a `sluice dags test` that died (kill -9, a crash, a lost machine). Such a run is
// driven by the test process alone, which claims its attempts as `dags-test@HOST/PID`; a
// scheduler does not hold it. Once that process is known dead (the pid is gone on this host) or
// its lease ran out, the scheduler ends the run in one stated way (docs/guarantees.md): the run
// fails, a running attempt fails as `lost`, a task waiting for a retry fails, and a task that
// had not started is skipped. The test's run is never continued by the scheduler: it was a
// foreground run of what the test loaded, which may not even be in the DAGs folder.

#include <optional>
#include <string>
#include <vector>

#include "sluice/store.h"

namespace sluice {

// The executor name `dags test` claims under: "dags-test@HOST/PID".
std::string DagsTestExecutor(const std::string& host, int64_t pid);

// Who ran a test run: the host and pid in a "dags-test@HOST/PID" owner; nullopt for any other.
struct DagsTestOwner {
  std::string host;
  int64_t pid = 0;
};
std::optional<DagsTestOwner> ParseDagsTestOwner(const std::string& owner);

// The `dags test` process that ran `task_instances`' attempts, if any did (an owner stays on a
// task instance after its attempt ended).
std::optional<std::string> DagsTestOwnerOf(const std::vector<TaskInstanceRecord>& task_instances);

// Why a test run is abandoned, or nullopt while its process may be alive: `pid_gone` says
// whether the owner's pid is known gone on this host (`host`); a lease held by the owner that
// ended before `now` counts as well.
std::optional<std::string> AbandonedBecause(const std::string& owner,
                                            const std::vector<TaskInstanceRecord>& task_instances,
                                            const std::string& host, bool pid_gone, TimePoint now);

// The writes that end `run` (open) as abandoned for `reason`: conditional transitions from the
// stored states, the running attempts in `attempts` ended as lost, and an event for each.
WriteBatch AbandonRun(const RunRecord& run, const std::vector<TaskInstanceRecord>& task_instances,
                      const std::vector<AttemptRecord>& attempts, const std::string& reason,
                      TimePoint now);

}  // namespace sluice
