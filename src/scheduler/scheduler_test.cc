// Scheduler semantics in simulated time: a FakeClock, a FakeExecutor whose attempts take
// scripted durations, and a real SQLite store. No processes, no sleeps.
#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_F(SchedulerTest, ChainRunsInOrderAndSucceeds) {
  source_.Set("/dags/chain.yaml", R"(
dag: chain
tasks:
  a: {run: "echo a"}
  b: {run: "echo b", needs: [a]}
  c: {run: "echo {{ ds }}", needs: [b]}
)");
  StartScheduler();
  auto run_id = scheduler_->TriggerRun("chain", "{}");
  ASSERT_TRUE(run_id.ok()) << run_id.status().message();
  EXPECT_EQ(*run_id, "manual__2025-01-06T12:00:00Z");
  RunUntil(T("2025-01-06T12:01:00Z"));
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"a@2025-01-06T12:00:00Z", "b@2025-01-06T12:00:01Z",
                                      "c@2025-01-06T12:00:02Z"}));
  EXPECT_EQ(executor_.launched()[2].argv,
            (std::vector<std::string>{"/bin/sh", "-c", "echo '2025-01-06'"}));
  RunRecord run = OnlyRun("chain");
  EXPECT_EQ(RunStateName(run.state), std::string("success"));
  EXPECT_EQ(Iso(*run.end), "2025-01-06T12:00:03Z");
  auto states = TaskStates("chain", *run_id);
  EXPECT_EQ(states["c"], (State{"success", 1}));
}

TEST_F(SchedulerTest, FixedRetriesThenSuccess) {
  source_.Set("/dags/r.yaml", R"(
dag: r
tasks:
  flaky: {run: "x", retries: 2, retry_delay: 5m}
)");
  executor_.Script("flaky", {{seconds(1), 1}, {seconds(1), 1}, {seconds(1), 0}});
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("r", "{}").ok());
  RunUntil(T("2025-01-06T13:00:00Z"));
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"flaky@2025-01-06T12:00:00Z", "flaky@2025-01-06T12:05:01Z",
                                      "flaky@2025-01-06T12:10:02Z"}));
  RunRecord run = OnlyRun("r");
  EXPECT_EQ(RunStateName(run.state), std::string("success"));
  EXPECT_EQ(TaskStates("r", run.run_id)["flaky"], (State{"success", 3}));
  auto attempts = *store_->ListAttempts("r", run.run_id, "flaky");
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].exit_code, 1);
  EXPECT_EQ(AttemptStateName(attempts[0].state), std::string("failed"));
  EXPECT_EQ(AttemptStateName(attempts[2].state), std::string("success"));
}

TEST_F(SchedulerTest, ExhaustedRetriesFailTheRunAndDownstream) {
  source_.Set("/dags/f.yaml", R"(
dag: f
tasks:
  a: {run: "x", retries: 1, retry_delay: 10s}
  b: {run: "x", needs: [a]}
  c: {run: "x", needs: [b]}
  cleanup: {run: "x", needs: [a], trigger: all_done}
)");
  executor_.Script("a", {{seconds(1), 2}});
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("f", "{}").ok());
  RunUntil(T("2025-01-06T13:00:00Z"));
  RunRecord run = OnlyRun("f");
  EXPECT_EQ(RunStateName(run.state), std::string("failed"));
  auto states = TaskStates("f", run.run_id);
  EXPECT_EQ(states["a"], (State{"failed", 2}));
  EXPECT_EQ(states["b"], (State{"upstream_failed", 0}));
  EXPECT_EQ(states["c"], (State{"upstream_failed", 0}));
  EXPECT_EQ(states["cleanup"], (State{"success", 1}));
}

TEST_F(SchedulerTest, SkipExitCodeSkipsDownstreamAndRunSucceeds) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  check: {run: "x", retries: 3}
  load: {run: "x", needs: [check]}
  always: {run: "x", needs: [load], trigger: none_failed}
)");
  executor_.Script("check", {{seconds(1), 99}});
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("s", "{}").ok());
  RunUntil(T("2025-01-06T13:00:00Z"));
  RunRecord run = OnlyRun("s");
  EXPECT_EQ(RunStateName(run.state), std::string("success"));
  auto states = TaskStates("s", run.run_id);
  EXPECT_EQ(states["check"], (State{"skipped", 1}));
  EXPECT_EQ(states["load"], (State{"skipped", 0}));
  EXPECT_EQ(states["always"], (State{"success", 1}));
}

TEST_F(SchedulerTest, ParallelismAndPriority) {
  source_.Set("/dags/p.yaml", R"(
dag: p
tasks:
  low: {run: "x"}
  mid: {run: "x", priority: 5}
  high: {run: "x", priority: 10}
  top: {run: "x", priority: 20}
)");
  StartScheduler(/*parallelism=*/2);
  ASSERT_TRUE(scheduler_->TriggerRun("p", "{}").ok());
  RunUntil(T("2025-01-06T13:00:00Z"));
  EXPECT_EQ(executor_.max_concurrent(), 2);
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"top@2025-01-06T12:00:00Z", "high@2025-01-06T12:00:00Z",
                                      "mid@2025-01-06T12:00:01Z", "low@2025-01-06T12:00:01Z"}));
}

TEST_F(SchedulerTest, TimeoutFailsTheAttempt) {
  source_.Set("/dags/t.yaml", R"(
dag: t
tasks:
  slow: {run: "x", timeout: 30s}
)");
  executor_.Script("slow", {{minutes(5), 0}});
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("t", "{}").ok());
  RunUntil(T("2025-01-06T13:00:00Z"));
  RunRecord run = OnlyRun("t");
  EXPECT_EQ(RunStateName(run.state), std::string("failed"));
  auto attempts = *store_->ListAttempts("t", run.run_id, "slow");
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_TRUE(attempts[0].timed_out);
  EXPECT_EQ(Iso(*attempts[0].end), "2025-01-06T12:00:30Z");
}

TEST_F(SchedulerTest, DailyScheduleWithCatchupCreatesEveryInterval) {
  source_.Set("/dags/d.yaml", R"(
dag: d
schedule: "30 18 * * *"
timezone: America/New_York
start: 2025-01-02
catchup: true
max_active_runs: 1
tasks:
  t: {run: "x"}
)");
  StartScheduler();
  RunUntil(T("2025-01-06T12:00:10Z"));
  RunFilter f;
  f.dag_id = "d";
  auto runs = *store_->ListRuns(f);
  // Intervals starting Jan 2, 3, 4 are due (each at the next day's 18:30 EST = 23:30Z);
  // Jan 5's interval ends at Jan 6 23:30Z, still ahead.
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].run_id, "scheduled__2025-01-04T23:30:00Z");
  EXPECT_EQ(Iso(runs[0].data_interval_end), "2025-01-05T23:30:00Z");
  EXPECT_EQ(runs[2].run_id, "scheduled__2025-01-02T23:30:00Z");
  for (const auto& r : runs) EXPECT_EQ(RunStateName(r.state), std::string("success"));
  // max_active_runs: 1 serialises them.
  EXPECT_EQ(executor_.max_concurrent(), 1);
  // The next run appears when its interval ends.
  RunUntil(T("2025-01-06T23:30:05Z"));
  EXPECT_EQ(store_->ListRuns(f)->size(), 4u);
}

TEST_F(SchedulerTest, NoCatchupRunsOnlyTheLatestInterval) {
  source_.Set("/dags/d.yaml", R"(
dag: d
schedule: "@hourly"
start: 2025-01-01
tasks:
  t: {run: "x"}
)");
  StartScheduler();
  RunUntil(T("2025-01-06T12:00:10Z"));
  RunFilter f;
  f.dag_id = "d";
  auto runs = *store_->ListRuns(f);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].run_id, "scheduled__2025-01-06T11:00:00Z");
}

TEST_F(SchedulerTest, TaskRemovedFromDagBecomesRemovedInOpenRun) {
  source_.Set("/dags/x.yaml", R"(
dag: x
tasks:
  a: {run: "x"}
  b: {run: "x", needs: [a]}
)");
  executor_.Script("a", {{hours(2), 0}});
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("x", "{}");
  RunUntil(T("2025-01-06T12:01:00Z"));
  source_.Set("/dags/x.yaml", R"(
dag: x
tasks:
  a: {run: "x"}
  c: {run: "x", needs: [a]}
)");
  // The scheduler polls the folder hourly in this test: the 13:00 poll sees the change while
  // a still runs; c runs after a ends at 14:00.
  RunUntil(T("2025-01-06T15:00:00Z"));
  auto states = TaskStates("x", run_id);
  EXPECT_EQ(states["b"].first, "removed");
  EXPECT_EQ(states["c"].first, "success");
  EXPECT_EQ(RunStateName(OnlyRun("x").state), std::string("success"));
}

// A run ends after its processes: the attempt of a task removed while it runs is stopped
// first. So a scheduler that dies in between finds that attempt in an open run, the only
// place a restarted scheduler looks for running attempts, and records its end.
TEST_F(SchedulerTest, RunWaitsForTheRemovedTasksProcessEvenAcrossARestart) {
  source_.Set("/dags/x.yaml", R"(
dag: x
tasks:
  a: {run: "x"}
  b: {run: "x"}
)");
  executor_.Script("a", {{minutes(30), 0}});
  executor_.Script("b", {{hours(3), 0}});
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("x", "{}");
  RunUntil(T("2025-01-06T12:30:00Z"));
  source_.Set("/dags/x.yaml", "dag: x\ntasks:\n  a: {run: \"x\"}\n");
  // The 13:00 poll removes b, whose process is told to stop: every task is done, but the run
  // is not until that process has ended.
  RunUntil(T("2025-01-06T13:00:00Z"));
  EXPECT_EQ(TaskStates("x", run_id)["b"].first, "removed");
  EXPECT_EQ(RunStateName(OnlyRun("x").state), std::string("running"));
  ASSERT_EQ(store_->ListRunningAttempts()->size(), 1u);

  StartScheduler();  // the scheduler died before it saw b's process end
  RunUntil(T("2025-01-06T14:00:00Z"));
  EXPECT_EQ(RunStateName(OnlyRun("x").state), std::string("success"));
  EXPECT_EQ(store_->ListRunningAttempts()->size(), 0u);
  auto b = *store_->ListAttempts("x", run_id, "b");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(AttemptStateName(b[0].state), std::string("failed"));
  EXPECT_EQ(b[0].signal, 15);
}

// A task removed while it runs and then put back starts again, and its tries go on from the
// removed ones: try 1 (stopped when it was removed) and try 2 are two attempts with their own
// keys and logs, never one reused.
TEST_F(SchedulerTest, ATaskRemovedAndPutBackContinuesItsTryNumbers) {
  const char* with_b = "dag: x\ntasks:\n  a: {run: \"x\"}\n  b: {run: \"x\"}\n";
  source_.Set("/dags/x.yaml", with_b);
  executor_.Script("a", {{hours(3), 0}});
  executor_.Script("b", {{hours(2), 0}, {minutes(30), 0}});
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("x", "{}");
  RunUntil(T("2025-01-06T12:30:00Z"));
  source_.Set("/dags/x.yaml", "dag: x\ntasks:\n  a: {run: \"x\"}\n");
  RunUntil(T("2025-01-06T13:30:00Z"));  // the 13:00 poll removes b and stops its try 1
  source_.Set("/dags/x.yaml", with_b);
  RunUntil(T("2025-01-06T16:00:00Z"));  // the 14:00 poll puts b back
  EXPECT_EQ(RunStateName(OnlyRun("x").state), std::string("success"));
  auto b = *store_->ListAttempts("x", run_id, "b");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].try_number, 1);
  EXPECT_EQ(b[0].signal, 15);
  EXPECT_EQ(b[1].try_number, 2);
  EXPECT_EQ(AttemptStateName(b[1].state), std::string("success"));
  EXPECT_EQ(TaskStates("x", run_id)["b"].first, "success");
}

TEST_F(SchedulerTest, BrokenFileKeepsLastGoodVersion) {
  source_.Set("/dags/b.yaml", R"(
dag: b
schedule: "@hourly"
start: 2025-01-06T00:00:00Z
tasks:
  t: {run: "x"}
)");
  StartScheduler();
  RunUntil(T("2025-01-06T12:30:00Z"));
  source_.Set("/dags/b.yaml", "dag: b\ntasks: {t: {run: x, retires: 1}}\n");
  RunUntil(T("2025-01-06T15:30:00Z"));
  RunFilter f;
  f.dag_id = "b";
  // 11:00 (latest at start), then 12:00, 13:00, 14:00 from the last good version.
  EXPECT_EQ(store_->ListRuns(f)->size(), 4u);
  auto rec = *store_->GetDag("b");
  ASSERT_TRUE(rec.has_value());
  EXPECT_NE(rec->errors_json.find("unknown key 'retires'"), std::string::npos) << rec->errors_json;
}

TEST_F(SchedulerTest, ParamsOverrideDefaultsInTemplates) {
  source_.Set("/dags/p.yaml", R"(
dag: p
params: {root: /data, day: x}
tasks:
  t: {exec: ["ls", "{{ params.root }}/{{ params.day }}"]}
)");
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("p", R"({"day":"2025-01-02"})").ok());
  RunUntil(T("2025-01-06T12:01:00Z"));
  ASSERT_EQ(executor_.launched().size(), 1u);
  EXPECT_EQ(executor_.launched()[0].argv, (std::vector<std::string>{"ls", "/data/2025-01-02"}));
  EXPECT_EQ(executor_.launched()[0].env.at("SLUICE_PARAM_DAY"), "2025-01-02");
  EXPECT_EQ(executor_.launched()[0].env.at("SLUICE_DS"), "2025-01-06");
}

// Templates are rendered from values the scheduler keeps per run; a new DAG version seen while
// the run is open (here: a param's default) applies to the attempts that start after it.
TEST_F(SchedulerTest, AttemptsStartedAfterANewDagVersionUseItsTemplateValues) {
  const std::string v1 = R"(
dag: p
params: {root: /v1}
tasks:
  a: {exec: ["ls", "{{ params.root }}/{{ task_id }}.{{ try_number }}"]}
  b: {exec: ["ls", "{{ params.root }}/{{ task_id }}.{{ try_number }}"], needs: [a], retries: 1,
      retry_delay: 1m}
)";
  source_.Set("/dags/p.yaml", v1);
  executor_.Script("a", {{hours(2), 0}});
  executor_.Script("b", {{hours(1), 1}, {hours(1), 0}});
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("p", "{}").ok());
  RunUntil(T("2025-01-06T12:01:00Z"));
  std::string v2 = v1;
  v2.replace(v2.find("/v1"), 3, "/v2");
  source_.Set("/dags/p.yaml", v2);
  // The 13:00 poll sees v2 while a runs; b starts at 14:00, fails, and retries at 15:01.
  RunUntil(T("2025-01-06T17:00:00Z"));
  ASSERT_EQ(executor_.launched().size(), 3u);
  std::vector<std::vector<std::string>> argvs;
  for (const auto& l : executor_.launched()) {
    argvs.push_back(l.argv);
    EXPECT_EQ(l.env.at("SLUICE_TASK_ID"), l.key.task_id);
    EXPECT_EQ(l.env.at("SLUICE_TRY_NUMBER"), std::to_string(l.key.try_number));
  }
  EXPECT_EQ(argvs, (std::vector<std::vector<std::string>>{
                       {"ls", "/v1/a.1"}, {"ls", "/v2/b.1"}, {"ls", "/v2/b.2"}}));
  EXPECT_EQ(executor_.launched()[0].env.at("SLUICE_PARAM_ROOT"), "/v1");
  EXPECT_EQ(executor_.launched()[2].env.at("SLUICE_PARAM_ROOT"), "/v2");
}

}  // namespace
}  // namespace sluice::testing
