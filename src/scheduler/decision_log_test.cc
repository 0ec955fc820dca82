// Issue 13: the scheduler's log says what its commits did, one line each.
#include "scheduler/decision_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "scheduler/run_builder.h"
#include "time/time_format.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TimePoint T(const std::string& iso) { return *ParseTimePoint(iso, TimeZone::Utc()); }

TaskInstanceRecord Ti(const std::string& task, TaskState state, int try_number) {
  TaskInstanceRecord ti;
  ti.dag_id = "etl";
  ti.run_id = "manual__2025-01-02T00:00:00Z";
  ti.task_id = task;
  ti.state = state;
  ti.try_number = try_number;
  return ti;
}

RunRecord EtlRun(RunState state) {
  RunRecord run;
  run.dag_id = "etl";
  run.run_id = "manual__2025-01-02T00:00:00Z";
  run.state = state;
  return run;
}

TEST(DecisionLogTest, RunsCreatedAndEndedFailuresRetriesAndLostAttempts) {
  const TimePoint now = T("2025-01-02T00:00:05Z");
  WriteBatch w;
  w.events.push_back(RunStateEvent(now, EtlRun(RunState::kQueued), "", "manual"));
  w.events.push_back(RunStateEvent(now, EtlRun(RunState::kRunning), "queued"));
  TaskInstanceRecord a = Ti("a", TaskState::kUpForRetry, 1);
  a.next_try_at = T("2025-01-02T00:05:05Z");
  w.task_transitions.push_back({a, TaskState::kRunning});
  w.events.push_back(TaskStateEvent(now, a, TaskState::kRunning, "exit code 3"));
  TaskInstanceRecord b = Ti("b", TaskState::kFailed, 2);
  w.task_transitions.push_back({b, TaskState::kRunning});
  w.events.push_back(TaskStateEvent(now, b, TaskState::kRunning, "killed by signal 9"));
  TaskInstanceRecord c = Ti("c", TaskState::kFailed, 1);
  c.map_index = 4;
  w.task_transitions.push_back({c, TaskState::kRunning});
  w.events.push_back(TaskStateEvent(now, c, TaskState::kRunning,
                                    "lost: the lease of local@h2 ended at 2025-01-02T00:00:01Z"));
  TaskInstanceRecord d = Ti("d", TaskState::kSuccess, 1);
  w.task_transitions.push_back({d, TaskState::kRunning});
  w.events.push_back(TaskStateEvent(now, d, TaskState::kRunning, ""));
  TaskInstanceRecord e = Ti("e", TaskState::kUpstreamFailed, 0);
  w.task_transitions.push_back({e, TaskState::kNone});
  w.events.push_back(TaskStateEvent(now, e, TaskState::kNone, "trigger rule all_success"));
  w.events.push_back(RunStateEvent(now, EtlRun(RunState::kFailed), "running"));
  EXPECT_THAT(
      DecisionLogLines(w),
      ElementsAre("run etl/manual__2025-01-02T00:00:00Z created (manual)",
                  "run etl/manual__2025-01-02T00:00:00Z started",
                  "task etl/manual__2025-01-02T00:00:00Z/a try 1 failed (exit code 3); retry at "
                  "2025-01-02T00:05:05Z",
                  "task etl/manual__2025-01-02T00:00:00Z/b try 2 failed (killed by signal 9); "
                  "task failed",
                  "task etl/manual__2025-01-02T00:00:00Z/c[4] try 1 lost (lost: the lease of "
                  "local@h2 ended at 2025-01-02T00:00:01Z); task failed",
                  "run etl/manual__2025-01-02T00:00:00Z ended failed"));
}

TEST(DecisionLogTest, NothingForRoutineProgress) {
  const TimePoint now = T("2025-01-02T00:00:05Z");
  WriteBatch w;
  TaskInstanceRecord a = Ti("a", TaskState::kRunning, 1);
  w.events.push_back(TaskStateEvent(now, a, TaskState::kQueued, "claimed"));
  w.events.push_back(RunStateEvent(now, EtlRun(RunState::kQueued), "running", "cleared"));
  EXPECT_THAT(DecisionLogLines(w), IsEmpty());
}

}  // namespace
}  // namespace sluice
