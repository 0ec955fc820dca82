// depends_on_past: the rule, the closed runs kept in memory for it, and scenarios where the
// previous run is open, closed, a manual run, or only in the store (after a restart).
#include "scheduler/depends_on_past.h"

#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

RunOutcomes Outcomes(const std::string& run_id, const std::string& date, TaskState load) {
  return RunOutcomes{run_id, T(date), {{"load", load}}};
}

TEST(DependsOnPastRule, AllowsSuccessSkippedOrNoPreviousState) {
  EXPECT_TRUE(PastAllows(std::nullopt));
  EXPECT_TRUE(PastAllows(TaskState::kSuccess));
  EXPECT_TRUE(PastAllows(TaskState::kSkipped));
  for (TaskState s :
       {TaskState::kNone, TaskState::kScheduled, TaskState::kRunning, TaskState::kFailed,
        TaskState::kUpstreamFailed, TaskState::kUpForRetry, TaskState::kRemoved}) {
    EXPECT_FALSE(PastAllows(s)) << TaskStateName(s);
  }
}

TEST(ClosedRunsTest, KeepsRunsAfterTheFloorAndTheNewestAtOrBeforeIt) {
  ClosedRuns closed;
  const std::optional<TimePoint> floor = T("2025-01-06T11:00:00Z");
  closed.Track("d",
               {Outcomes("s9", "2025-01-06T09:00:00Z", TaskState::kSuccess),
                Outcomes("s10", "2025-01-06T10:00:00Z", TaskState::kSuccess),
                Outcomes("s11", "2025-01-06T11:00:00Z", TaskState::kFailed),
                Outcomes("m1230", "2025-01-06T12:30:00Z", TaskState::kSuccess)},
               floor);
  EXPECT_EQ(closed.Kept("d"), 2u);
  EXPECT_EQ(closed.NewestBefore("d", T("2025-01-06T12:00:00Z"))->run_id, "s11");
  EXPECT_EQ(closed.NewestBefore("d", T("2025-01-06T13:00:00Z"))->run_id, "m1230");
  // Strictly before: a run of the same logical date is not a previous run.
  EXPECT_EQ(closed.NewestBefore("d", T("2025-01-06T11:00:00Z")), nullptr);
  // The floor moves on when a scheduled run is created: what is below it goes but the newest.
  closed.Add("d", Outcomes("s12", "2025-01-06T12:00:00Z", TaskState::kSuccess),
             T("2025-01-06T12:00:00Z"));
  EXPECT_EQ(closed.Kept("d"), 2u);
  EXPECT_EQ(closed.NewestBefore("d", T("2025-01-06T12:10:00Z"))->run_id, "s12");
  EXPECT_EQ(closed.NewestBefore("d", T("2025-01-06T14:00:00Z"))->run_id, "m1230");
}

TEST(ClosedRunsTest, IgnoresDagsItDoesNotTrackAndKeepsAllWithoutAFloor) {
  ClosedRuns closed;
  closed.Add("other", Outcomes("s1", "2025-01-06T09:00:00Z", TaskState::kSuccess), std::nullopt);
  EXPECT_FALSE(closed.Tracks("other"));
  EXPECT_EQ(closed.Kept("other"), 0u);
  closed.Track("d", {}, std::nullopt);
  closed.Add("d", Outcomes("m1", "2025-01-06T09:00:00Z", TaskState::kSuccess), std::nullopt);
  closed.Add("d", Outcomes("m2", "2025-01-06T10:00:00Z", TaskState::kFailed), std::nullopt);
  EXPECT_EQ(closed.Kept("d"), 2u);
  // A run closing again (it was cleared) replaces its entry.
  closed.Add("d", Outcomes("m2", "2025-01-06T10:00:00Z", TaskState::kSuccess), std::nullopt);
  EXPECT_EQ(closed.Kept("d"), 2u);
  EXPECT_EQ(closed.NewestBefore("d", T("2025-01-06T11:00:00Z"))->states.at("load"),
            TaskState::kSuccess);
}

// Hourly from 10:00 with catchup, and a manual run at 12:30 whose load fails. The scheduled
// run of 12:00 follows 11:00 (success) and runs; the one of 13:00 follows the manual run and
// waits. `restart_at` restarts the scheduler in between, so the closed runs come from the store.
class DependsOnPastScenario : public SchedulerTest {
 protected:
  void Run(std::optional<TimePoint> restart_at) {
    const std::string yaml = R"(
dag: p
schedule: "@hourly"
start: 2025-01-06T10:00:00Z
catchup: true
tasks:
  load: {run: "x", depends_on_past: true}
)";
    source_.Set("/dags/p.yaml", yaml);
    clock_.Set(T("2025-01-06T12:20:00Z"));
    StartScheduler();
    RunUntil(T("2025-01-06T12:30:00Z"));
    executor_.Script("manual__2025-01-06T12:30:00Z/load", {{seconds(1), 1}});
    auto manual = scheduler_->TriggerRun("p", "{}");
    ASSERT_TRUE(manual.ok()) << manual.status().message();
    if (restart_at) {
      RunUntil(*restart_at);
      source_.Set("/dags/p.yaml", yaml);  // a new scheduler reads the folder afresh
      StartScheduler();
    }
    RunUntil(T("2025-01-06T14:00:30Z"));
    EXPECT_EQ(Launches(),
              (std::vector<std::string>{"load@2025-01-06T12:20:00Z", "load@2025-01-06T12:20:01Z",
                                        "load@2025-01-06T12:30:00Z", "load@2025-01-06T13:00:00Z"}));
    EXPECT_EQ(TaskStates("p", *manual)["load"], (State{"failed", 1}));
    EXPECT_EQ(TaskStates("p", "scheduled__2025-01-06T12:00:00Z")["load"], (State{"success", 1}));
    EXPECT_EQ(TaskStates("p", "scheduled__2025-01-06T13:00:00Z")["load"], (State{"none", 0}));
  }
};

TEST_F(DependsOnPastScenario, APreviousRunIsTheNewestEarlierOneOpenOrClosed) { Run(std::nullopt); }

TEST_F(DependsOnPastScenario, AfterARestartClosedRunsComeFromTheStore) {
  Run(T("2025-01-06T12:45:00Z"));
}

// A cleared old run goes back to queued; its previous run is older than any kept in memory.
TEST_F(SchedulerTest, DependsOnPastOfAClearedOldRunReadsItsPreviousRunFromTheStore) {
  source_.Set("/dags/p.yaml", R"(
dag: p
schedule: "@daily"
start: 2025-01-01
catchup: true
tasks:
  load: {run: "x", depends_on_past: true}
)");
  executor_.Script("scheduled__2025-01-02T00:00:00Z/load", {{seconds(1), 1}, {seconds(1), 0}});
  command_poll_interval_ = minutes(1);
  StartScheduler();
  RunUntil(T("2025-01-06T13:00:00Z"));
  // Jan 2 failed, so Jan 3 and later wait.
  EXPECT_EQ(TaskStates("p", "scheduled__2025-01-02T00:00:00Z")["load"], (State{"failed", 1}));
  EXPECT_EQ(TaskStates("p", "scheduled__2025-01-03T00:00:00Z")["load"], (State{"none", 0}));
  // Clearing Jan 1 (success) re-runs it; its previous run is none, so it runs at once.
  Command("clear", R"({"dag":"p","run":"scheduled__2025-01-01T00:00:00Z","task":"load"})");
  RunUntil(T("2025-01-06T13:10:00Z"));
  EXPECT_EQ(TaskStates("p", "scheduled__2025-01-01T00:00:00Z")["load"], (State{"success", 2}));
  // Clearing Jan 2 re-runs it (its previous, Jan 1, succeeded), and then Jan 3 onward follow.
  Command("clear", R"({"dag":"p","run":"scheduled__2025-01-02T00:00:00Z","task":"load"})");
  RunUntil(T("2025-01-06T13:20:00Z"));
  EXPECT_EQ(TaskStates("p", "scheduled__2025-01-02T00:00:00Z")["load"], (State{"success", 2}));
  for (const char* day : {"03", "04", "05"}) {
    EXPECT_EQ(TaskStates("p", std::string("scheduled__2025-01-") + day + "T00:00:00Z")["load"],
              (State{"success", 1}))
        << day;
  }
}

}  // namespace
}  // namespace sluice::testing
