#include "scheduler/abandoned_run.h"

#include <cstdlib>

#include "scheduler/run_builder.h"
#include "time/time_format.h"
#include "util/strings.h"

namespace sluice {
namespace {

constexpr std::string_view kDagsTest = "dags-test@";

}  // namespace

std::string DagsTestExecutor(const std::string& host, int64_t pid) {
  return std::string(kDagsTest) + host + "/" + std::to_string(pid);
}

std::optional<DagsTestOwner> ParseDagsTestOwner(const std::string& owner) {
  if (!StartsWith(owner, kDagsTest)) return std::nullopt;
  const size_t slash = owner.rfind('/');
  if (slash == std::string::npos || slash < kDagsTest.size()) return std::nullopt;
  const std::string pid = owner.substr(slash + 1);
  char* end = nullptr;
  const long long n = std::strtoll(pid.c_str(), &end, 10);
  if (pid.empty() || *end != '\0' || n <= 0) return std::nullopt;
  return DagsTestOwner{owner.substr(kDagsTest.size(), slash - kDagsTest.size()), n};
}

std::optional<std::string> DagsTestOwnerOf(const std::vector<TaskInstanceRecord>& task_instances) {
  for (const auto& ti : task_instances) {
    if (ParseDagsTestOwner(ti.owner)) return ti.owner;
  }
  return std::nullopt;
}

std::optional<std::string> AbandonedBecause(const std::string& owner,
                                            const std::vector<TaskInstanceRecord>& task_instances,
                                            const std::string& host, bool pid_gone, TimePoint now) {
  auto test = ParseDagsTestOwner(owner);
  if (!test) return std::nullopt;
  if (test->host == host && pid_gone) {
    return "the dags test process " + std::to_string(test->pid) + " on " + host + " ended";
  }
  for (const auto& ti : task_instances) {
    if (ti.owner == owner && ti.state == TaskState::kRunning && ti.lease_until &&
        *ti.lease_until < now) {
      return "the lease of " + owner + " ended at " + FormatIsoUtc(*ti.lease_until);
    }
  }
  return std::nullopt;
}

WriteBatch AbandonRun(const RunRecord& run, const std::vector<TaskInstanceRecord>& task_instances,
                      const std::vector<AttemptRecord>& attempts, const std::string& reason,
                      TimePoint now) {
  WriteBatch batch;
  for (const auto& ti : task_instances) {
    if (IsTerminal(ti.state)) continue;
    TaskInstanceRecord to = ti;
    std::string detail;
    if (ti.state == TaskState::kRunning) {
      to.state = TaskState::kFailed;
      detail = "lost: " + reason;
      for (const auto& a : attempts) {
        if (a.task_id == ti.task_id && a.map_index == ti.map_index &&
            a.try_number == ti.try_number && a.state == AttemptState::kRunning) {
          AttemptRecord ended = a;
          ended.state = AttemptState::kFailed;
          ended.end = now;
          ended.error = detail;
          batch.attempts.push_back(std::move(ended));
        }
      }
    } else if (ti.state == TaskState::kUpForRetry) {
      to.state = TaskState::kFailed;
      detail = "no retry: " + reason;
    } else {
      to.state = TaskState::kSkipped;
      detail = "not started: " + reason;
    }
    to.end = now;
    to.next_try_at.reset();
    to.lease_until.reset();
    batch.events.push_back(TaskStateEvent(now, to, ti.state, detail));
    batch.task_transitions.push_back({std::move(to), ti.state});
  }
  RunRecord ended = run;
  ended.state = RunState::kFailed;
  ended.end = now;
  if (!ended.start) ended.start = now;
  batch.events.push_back(RunStateEvent(now, ended, RunStateName(run.state), reason));
  batch.run_transitions.push_back({std::move(ended), run.state});
  return batch;
}

}  // namespace sluice
