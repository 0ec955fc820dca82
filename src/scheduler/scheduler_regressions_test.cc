// Scenarios from a review of the planner/driver split: each failed before its fix. Races between
// commands and ends in one turn, depends_on_past across clears, marks and schedule changes,
// start-up admission, timers.
#include "scheduler/depends_on_past.h"
#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

CommandRecord Enqueue(Store& store, TimePoint now, const std::string& kind,
                      const std::string& args) {
  CommandRecord c;
  c.created = now;
  c.kind = kind;
  c.args_json = args;
  auto id = store.EnqueueCommand(c);
  EXPECT_TRUE(id.ok());
  c.id = *id;
  return c;
}

// A clear polled in the same turn as the attempt end that finished the run.
TEST_F(SchedulerTest, ClearOfARunThatFinishedInTheSameTurn) {
  command_poll_interval_ = seconds(10);
  source_.Set("/dags/c.yaml", R"(
dag: c
tasks:
  a: {run: "x"}
)");
  executor_.Script("a", {{seconds(10), 0}});
  StartScheduler();
  auto run_id = scheduler_->TriggerRun("c", "{}");
  ASSERT_TRUE(run_id.ok());
  ASSERT_TRUE(scheduler_->Turn(Duration::zero()).ok());  // launches a at 12:00:00, ends 12:00:10
  ASSERT_EQ(executor_.launched().size(), 1u);
  Enqueue(*store_, clock_.Now(), "clear", R"({"dag":"c","run":")" + *run_id + R"(","task":"a"})");
  RunUntil(T("2025-01-06T12:05:00Z"));
  EXPECT_EQ(executor_.launched().size(), 2u) << "a runs again after the clear";
  EXPECT_EQ(TaskStates("c", *run_id)["a"], (State{"success", 2}));
  EXPECT_EQ(RunStateName(OnlyRun("c").state), std::string("success"));
  EXPECT_EQ(scheduler_->active_runs(), 0u);
}

// Two old runs cleared while the first is still running: the second one's previous-run snapshot
// (read from the store at its load) goes stale once the first closes and is pruned.
TEST_F(SchedulerTest, DependsOnPastStaleSnapshotOfAPrunedPreviousRun) {
  source_.Set("/dags/p.yaml", R"(
dag: p
schedule: "@daily"
start: 2025-01-01
catchup: true
tasks:
  up: {run: "x"}
  load: {run: "x", needs: [up], depends_on_past: true}
)");
  executor_.Script("scheduled__2025-01-02T00:00:00Z/load", {{seconds(1), 0}, {minutes(10), 0}});
  executor_.Script("scheduled__2025-01-03T00:00:00Z/up", {{seconds(1), 0}, {hours(1), 0}});
  command_poll_interval_ = minutes(1);
  StartScheduler();
  RunUntil(T("2025-01-06T12:10:00Z"));
  for (const char* day : {"01", "02", "03", "04", "05"}) {
    ASSERT_EQ(TaskStates("p", std::string("scheduled__2025-01-") + day + "T00:00:00Z")["load"],
              (State{"success", 1}))
        << day;
  }
  Command("clear", R"({"dag":"p","run":"scheduled__2025-01-02T00:00:00Z","task":"load"})");
  ASSERT_EQ(TaskStates("p", "scheduled__2025-01-02T00:00:00Z")["load"].first, "running");
  Command("clear",
          R"({"dag":"p","run":"scheduled__2025-01-03T00:00:00Z","task":"up","downstream":true})");
  RunUntil(T("2025-01-06T15:00:00Z"));
  EXPECT_EQ(TaskStates("p", "scheduled__2025-01-02T00:00:00Z")["load"], (State{"success", 2}));
  EXPECT_EQ(TaskStates("p", "scheduled__2025-01-03T00:00:00Z")["up"], (State{"success", 2}));
  // Its previous run (Jan 2) succeeded: load runs.
  EXPECT_EQ(TaskStates("p", "scheduled__2025-01-03T00:00:00Z")["load"], (State{"success", 2}));
}

// Marking the failed task of a closed run success: the next run, waiting on it, should go.
TEST_F(SchedulerTest, MarkSuccessInAClosedRunUnblocksDependsOnPast) {
  source_.Set("/dags/p.yaml", R"(
dag: p
schedule: "@daily"
start: 2025-01-01
catchup: true
max_active_runs: 5
tasks:
  load: {run: "x", depends_on_past: true}
)");
  executor_.Script("scheduled__2025-01-02T00:00:00Z/load", {{seconds(1), 1}});
  command_poll_interval_ = minutes(1);
  StartScheduler();
  RunUntil(T("2025-01-06T13:00:00Z"));
  ASSERT_EQ(TaskStates("p", "scheduled__2025-01-02T00:00:00Z")["load"], (State{"failed", 1}));
  ASSERT_EQ(TaskStates("p", "scheduled__2025-01-03T00:00:00Z")["load"], (State{"none", 0}));
  ASSERT_EQ(RunStateName(store_->GetRun("p", "scheduled__2025-01-02T00:00:00Z")->value().state),
            std::string("failed"));
  Command("mark",
          R"({"dag":"p","run":"scheduled__2025-01-02T00:00:00Z","task":"load","state":"success"})");
  RunUntil(T("2025-01-06T14:00:00Z"));
  EXPECT_EQ(RunStateName(store_->GetRun("p", "scheduled__2025-01-02T00:00:00Z")->value().state),
            std::string("success"));
  for (const char* day : {"03", "04", "05"}) {
    EXPECT_EQ(TaskStates("p", std::string("scheduled__2025-01-") + day + "T00:00:00Z")["load"],
              (State{"success", 1}))
        << day;
  }
}

// Two marks of one closed run handled in one command poll: the second reads the store as it was
// before the first (not committed yet).
TEST_F(SchedulerTest, TwoMarksOfAClosedRunInOnePoll) {
  command_poll_interval_ = minutes(1);
  source_.Set("/dags/m.yaml", R"(
dag: m
tasks:
  a: {run: "x"}
  b: {run: "x"}
)");
  executor_.Script("a", {{seconds(1), 1}});
  executor_.Script("b", {{seconds(1), 1}});
  StartScheduler();
  auto run_id = scheduler_->TriggerRun("m", "{}");
  ASSERT_TRUE(run_id.ok());
  RunUntil(T("2025-01-06T12:00:30Z"));
  ASSERT_EQ(RunStateName(OnlyRun("m").state), std::string("failed"));
  Enqueue(*store_, clock_.Now(), "mark",
          R"({"dag":"m","run":")" + *run_id + R"(","task":"a","state":"success"})");
  Enqueue(*store_, clock_.Now(), "mark",
          R"({"dag":"m","run":")" + *run_id + R"(","task":"b","state":"success"})");
  RunUntil(T("2025-01-06T12:05:00Z"));
  auto states = TaskStates("m", *run_id);
  EXPECT_EQ(states["a"].first, "success");
  EXPECT_EQ(states["b"].first, "success");
  EXPECT_EQ(RunStateName(OnlyRun("m").state), std::string("success")) << "every leaf succeeded";
}

// A DAG with manual runs only gains a schedule with catchup: its first scheduled runs are older
// than the manual runs ClosedRuns kept (floor was "max": only the newest closed run was kept).
TEST_F(SchedulerTest, DependsOnPastAfterAScheduleIsAdded) {
  source_.Set("/dags/u.yaml", R"(
dag: u
tasks:
  load: {run: "x", depends_on_past: true}
)");
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("u", "{}", T("2025-01-06T10:30:00Z")).ok());
  RunUntil(T("2025-01-06T12:01:00Z"));
  ASSERT_TRUE(scheduler_->TriggerRun("u", "{}", T("2025-01-06T11:30:00Z")).ok());
  RunUntil(T("2025-01-06T12:10:00Z"));
  ASSERT_EQ(TaskStates("u", "manual__2025-01-06T10:30:00Z")["load"], (State{"success", 1}));
  ASSERT_EQ(TaskStates("u", "manual__2025-01-06T11:30:00Z")["load"], (State{"success", 1}));
  executor_.Script("scheduled__2025-01-06T10:00:00Z/load", {{seconds(1), 1}});
  source_.Set("/dags/u.yaml", R"(
dag: u
schedule: "@hourly"
start: 2025-01-06T09:00:00Z
catchup: true
tasks:
  load: {run: "x", depends_on_past: true}
)");
  RunUntil(T("2025-01-06T14:00:00Z"));
  ASSERT_EQ(TaskStates("u", "scheduled__2025-01-06T10:00:00Z")["load"], (State{"failed", 1}));
  // The run before 11:00 is the manual run of 10:30 (success), not the scheduled one of 10:00.
  EXPECT_EQ(TaskStates("u", "scheduled__2025-01-06T11:00:00Z")["load"], (State{"success", 1}));
}

// ClosedRunsFloor is TimePoint::max() for a DAG without a schedule; Prune adds 1 to it.
TEST(ClosedRunsTest, FloorMaxKeepsOnlyTheNewest) {
  ClosedRuns closed;
  closed.Track("d", {}, TimePoint::max());
  for (int h = 1; h <= 5; ++h) {
    closed.Add("d", RunOutcomes{"m" + std::to_string(h), T("2025-01-06T00:00:00Z") + hours(h), {}},
               TimePoint::max());
  }
  EXPECT_EQ(closed.Kept("d"), 1u);
}

// `tasks kill`, then the scheduler stops (crash) before the killed attempt's end is handled.
TEST_F(SchedulerTest, KillSurvivesARestart) {
  command_poll_interval_ = seconds(10);
  source_.Set("/dags/k.yaml", R"(
dag: k
tasks:
  slow: {run: "x", retries: 3, retry_delay: 1m}
)");
  executor_.Script("slow", {{minutes(30), 0}});
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("k", "{}");
  RunUntil(T("2025-01-06T12:01:00Z"));
  ASSERT_EQ(TaskStates("k", run_id)["slow"], (State{"running", 1}));
  CommandRecord c = Enqueue(*store_, clock_.Now(), "kill",
                            R"({"dag":"k","run":")" + run_id + R"(","task":"slow"})");
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(scheduler_->Turn(seconds(10)).ok());
    if ((*store_->GetCommand(c.id))->state != "pending") break;
  }
  ASSERT_EQ((*store_->GetCommand(c.id))->state, "done");
  StartScheduler();  // the kill was committed and sent; its end was not handled yet
  RunUntil(T("2025-01-06T14:00:00Z"));
  EXPECT_EQ(TaskStates("k", run_id)["slow"], (State{"failed", 1}))
      << "a killed task is not retried";
}

// More schedule timers due at one instant than max_runs_created_per_turn.
TEST_F(SchedulerTest, ScheduleBacklogAtOneInstantIsNotDelayed) {
  for (const char* id : {"a", "b"}) {
    source_.Set(std::string("/dags/") + id + ".yaml", std::string("dag: ") + id + R"(
schedule: "@hourly"
start: 2025-01-06T12:00:00Z
tasks:
  t: {run: "x"}
)");
  }
  executor_.Script("t", {{hours(3), 0}});
  DriverOptions options;
  options.planner.parallelism = 4;
  options.planner.logs_dir = dir_.path() + "/logs";
  options.planner.max_runs_created_per_turn = 1;
  options.dag_poll_interval = hours(1);
  options.command_poll_interval = hours(1);
  scheduler_ = std::make_unique<Driver>(options, *store_, executor_, *loop_, source_);
  ASSERT_TRUE(scheduler_->Start().ok());
  RunUntil(T("2025-01-06T13:30:00Z"));
  // Both runs of 12:00 are due at 13:00.
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"t@2025-01-06T13:00:00Z", "t@2025-01-06T13:00:00Z"}));
}

// Restart with one running and one queued run of a DAG with max_active_runs: 1.
TEST_F(SchedulerTest, RestartKeepsMaxActiveRuns) {
  const std::string yaml = R"(
dag: r
schedule: "@hourly"
start: 2025-01-06T10:00:00Z
catchup: true
max_active_runs: 1
tasks:
  t: {run: "x"}
)";
  source_.Set("/dags/r.yaml", yaml);
  executor_.Script("t", {{hours(3), 0}});
  clock_.Set(T("2025-01-06T12:20:00Z"));
  StartScheduler();
  RunUntil(T("2025-01-06T12:30:00Z"));
  RunFilter running;
  running.dag_id = "r";
  running.state = RunState::kRunning;
  ASSERT_EQ(store_->ListRuns(running)->size(), 1u);
  source_.Set("/dags/r.yaml", yaml);
  StartScheduler();
  RunUntil(T("2025-01-06T12:40:00Z"));
  EXPECT_EQ(store_->ListRuns(running)->size(), 1u) << "max_active_runs: 1 after a restart";
  EXPECT_EQ(executor_.max_concurrent(), 1);
}

// A retry timer left from before a clear fires the next wait early.
TEST_F(SchedulerTest, StaleRetryTimerAfterAClear) {
  command_poll_interval_ = minutes(1);
  source_.Set("/dags/r.yaml", R"(
dag: r
tasks:
  t: {run: "x", retries: 3, retry_delay: 5m}
)");
  executor_.Script("t", {{seconds(1), 1}});
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("r", "{}");
  RunUntil(T("2025-01-06T12:01:30Z"));  // try 1 failed at 12:00:01; retry due 12:05:01
  Command("clear", R"({"dag":"r","run":")" + run_id + R"(","task":"t"})");
  RunUntil(T("2025-01-06T12:10:00Z"));
  // try 2 starts at the clear (12:02:00), fails at 12:02:01; try 3 is due 5 minutes later.
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"t@2025-01-06T12:00:00Z", "t@2025-01-06T12:02:00Z",
                                      "t@2025-01-06T12:07:01Z"}));
}

// A full disk (issue 13): the turn's commit fails, the error comes back as the store gave it
// (the message names the database and the fix, with no "store: " in front), nothing of the turn
// is launched, and a scheduler started once there is room runs the task once.
TEST_F(SchedulerTest, AFullDiskStopsTheTurnWithTheStoresOwnMessageAndARestartGoesOn) {
  auto* memory = dynamic_cast<MemoryStore*>(store_.get());
  if (memory == nullptr) GTEST_SKIP() << "injects the failure through the in-memory store";
  source_.Set("/dags/c.yaml", R"(
dag: c
tasks:
  a: {run: "x"}
)");
  executor_.Script("a", {{seconds(10), 0}});
  StartScheduler();
  auto run_id = scheduler_->TriggerRun("c", "{}");
  ASSERT_TRUE(run_id.ok());
  const Status full = Status::NoSpace("the database /db is full (no space left on device): ...");
  memory->FailNextApply(full);
  Status st = scheduler_->Turn(Duration::zero());
  EXPECT_EQ(st.code(), StatusCode::kNoSpace);
  EXPECT_EQ(st.message(), full.message());
  EXPECT_TRUE(executor_.launched().empty()) << "nothing of a failed turn is acted on";

  StartScheduler();
  RunUntil(T("2025-01-06T12:05:00Z"));
  EXPECT_EQ(executor_.launched().size(), 1u);
  EXPECT_EQ(TaskStates("c", *run_id)["a"], (State{"success", 1}));
}

}  // namespace
}  // namespace sluice::testing
