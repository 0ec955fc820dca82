// Conformance suite, part 6: what the SLA and long-running alerts keep (issue 14). A run's SLA
// miss and an attempt's long-running mark survive later writes of their rows that carry them,
// and the scheduler reads each watched task's recent successes in one call.
#include <gmock/gmock.h>

#include <algorithm>
#include <map>

#include "store/store_suite.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_P(StoreSuite, SlaMissIsKeptThroughTransitionsAndUnsetByDefault) {
  RunRecord missed = FullRun("d", "missed", Jan2());
  missed.state = RunState::kRunning;
  missed.end.reset();
  missed.sla_missed_at.reset();
  RunRecord on_time = FullRun("d", "on_time", Jan2(1));
  on_time.sla_missed_at.reset();
  WriteBatch b;
  b.runs = {missed, on_time};
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_EQ(Must(store_->GetRun("d", "missed"))->sla_missed_at, std::nullopt);

  // The miss is written as a transition that keeps the run's state.
  missed.sla_missed_at = Jan2(kHourUs * 2);
  WriteBatch miss;
  miss.run_transitions = {{missed, RunState::kRunning}};
  ASSERT_TRUE(IsOk(Apply(miss)));
  // The run ends later: it keeps the miss.
  missed.state = RunState::kSuccess;
  missed.end = Jan2(kHourUs * 3);
  WriteBatch end;
  end.run_transitions = {{missed, RunState::kRunning}};
  ASSERT_TRUE(IsOk(Apply(end)));

  EXPECT_EQ(Must(store_->GetRun("d", "missed")), missed);
  EXPECT_EQ(Must(store_->GetRun("d", "on_time"))->sla_missed_at, std::nullopt);
  RunFilter filter;
  filter.dag_id = "d";
  std::vector<RunRecord> runs = Must(store_->ListRuns(filter));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].sla_missed_at, Jan2(kHourUs * 2));
}

TEST_P(StoreSuite, LongRunningMarkRoundTripsOnItsAttempt) {
  AttemptRecord a = FullAttempt("d", "r", "t", 1);
  a.state = AttemptState::kRunning;
  a.end.reset();
  a.long_running_at.reset();
  WriteBatch b;
  b.runs = {FullRun("d", "r", Jan2())};
  b.runs[0].state = RunState::kRunning;
  b.task_instances = TaskInstancesOf({a});
  b.attempts = {a};
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_EQ(Must(store_->ListRunningAttempts()).at(0).long_running_at, std::nullopt);

  a.long_running_at = Jan2(kHourUs);
  WriteBatch mark;
  mark.attempts = {a};
  ASSERT_TRUE(IsOk(Apply(mark)));
  EXPECT_THAT(Must(store_->ListRunningAttempts()), ElementsAre(a));
}

// Successes of `task` in runs r0, r1, ...: try 1 of each, started at hour n, lasting n+1 s.
std::vector<AttemptRecord> Successes(const std::string& dag, const std::string& task, int n,
                                     int first_run = 0) {
  std::vector<AttemptRecord> out;
  for (int i = first_run; i < first_run + n; ++i) {
    AttemptRecord a = FullAttempt(dag, "r" + std::to_string(i), task, 1);
    a.state = AttemptState::kSuccess;
    a.start = Jan2(kHourUs * i);
    a.end = a.start + std::chrono::seconds(i + 1);
    out.push_back(a);
  }
  return out;
}

TEST_P(StoreSuite, RecentSuccessesAreTheNewestOfEachListedTask) {
  WriteBatch b;
  std::vector<AttemptRecord> all = Successes("d", "load", 12);
  for (const AttemptRecord& a : Successes("d", "other", 3)) all.push_back(a);
  for (const AttemptRecord& a : Successes("e", "load", 2)) all.push_back(a);
  AttemptRecord failed = FullAttempt("d", "r99", "load", 1);
  failed.start = Jan2(kHourUs * 99);
  failed.end = Jan2(kHourUs * 100);  // newest of all, but failed: not a success
  all.push_back(failed);
  AttemptRecord running = FullAttempt("d", "r98", "load", 1);
  running.state = AttemptState::kRunning;
  running.end.reset();
  all.push_back(running);
  for (const AttemptRecord& a : all) {
    RunRecord r = FullRun(a.dag_id, a.run_id, a.start);
    if (std::find(b.runs.begin(), b.runs.end(), r) == b.runs.end()) b.runs.push_back(r);
  }
  b.task_instances = TaskInstancesOf(all);
  b.attempts = all;
  ASSERT_TRUE(IsOk(Apply(b)));

  std::vector<AttemptRecord> got =
      Must(store_->RecentSuccesses({{"d", "load"}, {"e", "load"}, {"d", "absent"}}, 10));
  std::map<std::string, std::vector<std::string>> runs_by_task;
  for (const AttemptRecord& a : got) {
    EXPECT_EQ(a.state, AttemptState::kSuccess);
    runs_by_task[a.dag_id + "." + a.task_id].push_back(a.run_id);
  }
  // Newest end first, at most 10: r11 .. r2 of d.load; e.load's two; nothing of d.other.
  EXPECT_THAT(runs_by_task["d.load"],
              ElementsAre("r11", "r10", "r9", "r8", "r7", "r6", "r5", "r4", "r3", "r2"));
  EXPECT_THAT(runs_by_task["e.load"], ElementsAre("r1", "r0"));
  EXPECT_EQ(runs_by_task.size(), 2u);
  EXPECT_THAT(Must(store_->RecentSuccesses({}, 10)), IsEmpty());
}

}  // namespace
}  // namespace sluice
