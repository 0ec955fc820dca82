// Scheduler controls and recovery in simulated time: max_active_tasks, pause/unpause, back-off,
// trigger rules inside a run, `mode: trigger`, `end`, depends_on_past, clear, a deleted DAG
// file, and a restart that adopts what the previous scheduler left running.
#include "scheduler/decision_log.h"
#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST_F(SchedulerTest, MaxActiveTasksLimitsOneDagNotTheOthers) {
  source_.Set("/dags/narrow.yaml", R"(
dag: narrow
max_active_tasks: 1
tasks:
  a: {run: "x"}
  b: {run: "x"}
  c: {run: "x"}
)");
  source_.Set("/dags/wide.yaml", R"(
dag: wide
tasks:
  d: {run: "x"}
  e: {run: "x"}
)");
  StartScheduler(/*parallelism=*/4);
  ASSERT_TRUE(scheduler_->TriggerRun("narrow", "{}").ok());
  ASSERT_TRUE(scheduler_->TriggerRun("wide", "{}").ok());
  RunUntil(T("2025-01-06T12:01:00Z"));
  // narrow runs one task at a time; wide's two start beside narrow's first.
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"a@2025-01-06T12:00:00Z", "d@2025-01-06T12:00:00Z",
                                      "e@2025-01-06T12:00:00Z", "b@2025-01-06T12:00:01Z",
                                      "c@2025-01-06T12:00:02Z"}));
  EXPECT_EQ(executor_.max_concurrent(), 3);
}

TEST_F(SchedulerTest, PauseStopsRunsAndUnpauseRunsOnlyTheLatestInterval) {
  source_.Set("/dags/h.yaml", R"(
dag: h
schedule: "@hourly"
start: 2025-01-06T00:00:00Z
tasks:
  t: {run: "x"}
)");
  command_poll_interval_ = minutes(1);
  StartScheduler();
  RunUntil(T("2025-01-06T12:30:00Z"));
  EXPECT_EQ(RunIds("h"), (std::vector<std::string>{"scheduled__2025-01-06T11:00:00Z"}));
  SetPaused("h", true);
  // Paused: no scheduled runs, and a manual run waits in queued.
  auto manual = scheduler_->TriggerRun("h", "{}");
  ASSERT_TRUE(manual.ok());
  RunUntil(T("2025-01-06T15:30:00Z"));
  EXPECT_EQ(RunIds("h").size(), 2u);
  EXPECT_EQ(RunStateName(scheduler_->GetRunState("h", *manual).value()), std::string("queued"));
  SetPaused("h", false);
  RunUntil(T("2025-01-06T16:00:10Z"));
  // catchup: false, so unpausing runs 14:00 (the latest due interval), not 12:00 and 13:00.
  EXPECT_EQ(RunIds("h"), (std::vector<std::string>{"scheduled__2025-01-06T15:00:00Z",
                                                   "scheduled__2025-01-06T14:00:00Z", *manual,
                                                   "scheduled__2025-01-06T11:00:00Z"}));
  EXPECT_EQ(RunStateName(scheduler_->GetRunState("h", *manual).value()), std::string("success"));
}

TEST_F(SchedulerTest, ExponentialBackoffDoublesWithJitterAndCaps) {
  source_.Set("/dags/e.yaml", R"(
dag: e
tasks:
  t: {run: "x", retries: 3, retry_delay: 1m, retry_backoff: exponential, max_retry_delay: 3m}
)");
  executor_.Script("t", {{seconds(1), 1}});
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("e", "{}").ok());
  RunUntil(T("2025-01-06T13:00:00Z"));
  const auto& times = executor_.launch_times();
  ASSERT_EQ(times.size(), 4u);
  // Delays after each failed attempt (which lasts 1 s): 1m, 2m, then 4m capped at 3m, each
  // shortened by at most 10% of jitter.
  const Duration expected[] = {minutes(1), minutes(2), minutes(3)};
  for (size_t i = 0; i < 3; ++i) {
    Duration delay = times[i + 1] - times[i] - seconds(1);
    EXPECT_LE(delay, expected[i]) << i;
    EXPECT_GE(delay, expected[i] * 9 / 10) << i;
  }
  EXPECT_EQ(TaskStates("e", OnlyRun("e").run_id)["t"], (State{"failed", 4}));
}

TEST_F(SchedulerTest, TriggerRulesDecideWhatRunsAfterAFailure) {
  source_.Set("/dags/tr.yaml", R"(
dag: tr
tasks:
  extract: {run: "x"}
  backup: {run: "x"}
  transform: {run: "x", needs: [extract]}
  alert: {run: "x", needs: [extract], trigger: one_failed}
  either: {run: "x", needs: [extract, backup], trigger: one_success}
  cleanup: {run: "x", needs: [transform, alert], trigger: all_done}
  only_if_all_failed: {run: "x", needs: [extract, backup], trigger: all_failed}
  publish: {run: "x", needs: [transform]}
)");
  executor_.Script("extract", {{seconds(1), 1}});
  StartScheduler(/*parallelism=*/8);
  ASSERT_TRUE(scheduler_->TriggerRun("tr", "{}").ok());
  RunUntil(T("2025-01-06T13:00:00Z"));
  RunRecord run = OnlyRun("tr");
  auto states = TaskStates("tr", run.run_id);
  EXPECT_EQ(states["extract"], (State{"failed", 1}));
  EXPECT_EQ(states["transform"], (State{"upstream_failed", 0}));
  EXPECT_EQ(states["alert"], (State{"success", 1}));
  EXPECT_EQ(states["either"], (State{"success", 1}));
  EXPECT_EQ(states["cleanup"], (State{"success", 1}));
  EXPECT_EQ(states["only_if_all_failed"], (State{"skipped", 0}));
  EXPECT_EQ(states["publish"], (State{"upstream_failed", 0}));
  // A leaf ended upstream_failed: the run failed, although cleanup succeeded.
  EXPECT_EQ(RunStateName(run.state), std::string("failed"));
}

TEST_F(SchedulerTest, ModeTriggerRunsAtTheFireTimeInTheDagZone) {
  source_.Set("/dags/m.yaml", R"(
dag: m
schedule: {cron: "0 9 * * 1-5", mode: trigger}
timezone: America/New_York
start: 2025-01-06
tasks:
  t: {run: "echo {{ ds }} {{ data_interval_start }} {{ data_interval_end }}"}
)");
  StartScheduler();
  RunUntil(T("2025-01-07T15:00:00Z"));
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"t@2025-01-06T14:00:00Z", "t@2025-01-07T14:00:00Z"}));
  EXPECT_EQ(executor_.launched()[0].argv[2],
            "echo '2025-01-06' '2025-01-06T14:00:00Z' '2025-01-06T14:00:00Z'");
}

TEST_F(SchedulerTest, NoRunHasALogicalDateAfterEnd) {
  source_.Set("/dags/e.yaml", R"(
dag: e
schedule: "@hourly"
start: 2025-01-06T00:00:00Z
end: 2025-01-06T05:00:00Z
catchup: true
tasks:
  t: {run: "x"}
)");
  StartScheduler();
  RunUntil(T("2025-01-07T00:00:00Z"));
  auto ids = RunIds("e");
  ASSERT_EQ(ids.size(), 6u);
  EXPECT_EQ(ids.front(), "scheduled__2025-01-06T05:00:00Z");
  EXPECT_EQ(ids.back(), "scheduled__2025-01-06T00:00:00Z");
}

TEST_F(SchedulerTest, DependsOnPastWaitsForThePreviousRunsTask) {
  source_.Set("/dags/p.yaml", R"(
dag: p
schedule: "@daily"
start: 2025-01-04
catchup: true
tasks:
  load: {run: "x", depends_on_past: true}
)");
  executor_.Script("load", {{seconds(1), 1}});
  StartScheduler();
  RunUntil(T("2025-01-06T12:00:10Z"));
  // Jan 4 ran and failed; Jan 5's load waits for it, so it never starts.
  EXPECT_EQ(Launches(), (std::vector<std::string>{"load@2025-01-06T12:00:00Z"}));
  EXPECT_EQ(TaskStates("p", "scheduled__2025-01-05T00:00:00Z")["load"], (State{"none", 0}));
  EXPECT_EQ(RunStateName(scheduler_->GetRunState("p", "scheduled__2025-01-05T00:00:00Z").value()),
            std::string("running"));
}

TEST_F(SchedulerTest, ClearCommandRerunsTheTaskAndItsDownstream) {
  source_.Set("/dags/c.yaml", R"(
dag: c
tasks:
  a: {run: "x"}
  b: {run: "x", needs: [a]}
  other: {run: "x"}
)");
  command_poll_interval_ = minutes(1);
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("c", "{}");
  RunUntil(T("2025-01-06T12:10:00Z"));
  ASSERT_EQ(RunStateName(OnlyRun("c").state), std::string("success"));
  Command("clear", R"({"dag":"c","run":")" + run_id + R"(","task":"a","downstream":true})");
  RunUntil(T("2025-01-06T12:20:00Z"));
  auto states = TaskStates("c", run_id);
  EXPECT_EQ(states["a"], (State{"success", 2}));
  EXPECT_EQ(states["b"], (State{"success", 2}));
  EXPECT_EQ(states["other"], (State{"success", 1}));
  EXPECT_EQ(RunStateName(OnlyRun("c").state), std::string("success"));
  EXPECT_EQ(store_->ListAttempts("c", run_id, "a")->size(), 2u);
}

TEST_F(SchedulerTest, DeletedFileStopsNewRunsAndKeepsOldOnes) {
  source_.Set("/dags/h.yaml", R"(
dag: h
schedule: "@hourly"
start: 2025-01-06T00:00:00Z
tasks:
  t: {run: "x"}
)");
  StartScheduler();
  RunUntil(T("2025-01-06T12:30:00Z"));
  source_.Remove("/dags/h.yaml");
  RunUntil(T("2025-01-06T18:30:00Z"));
  // The next folder poll (13:00) sees the deletion before the 12:00 interval's run is created.
  EXPECT_EQ(RunIds("h"), (std::vector<std::string>{"scheduled__2025-01-06T11:00:00Z"}));
  EXPECT_TRUE((*store_->GetDag("h"))->deleted);
  EXPECT_EQ(scheduler_->TriggerRun("h", "{}").status().message(), "no dag 'h'");
}

TEST_F(SchedulerTest, RestartAdoptsAnAttemptThatFinishedWhileDownAndDoesNotRerunIt) {
  source_.Set("/dags/r.yaml", R"(
dag: r
tasks:
  a: {run: "x"}
  b: {run: "x", needs: [a]}
)");
  executor_.Script("a", {{minutes(10), 0}});
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("r", "{}");
  RunUntil(T("2025-01-06T12:01:00Z"));
  scheduler_.reset();                     // the scheduler dies; a's supervisor keeps running
  clock_.Set(T("2025-01-06T12:20:00Z"));  // a ended at 12:10 while nobody watched
  StartScheduler();
  EXPECT_EQ(executor_.adopted(), 1);
  RunUntil(T("2025-01-06T12:30:00Z"));
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"a@2025-01-06T12:00:00Z", "b@2025-01-06T12:20:00Z"}));
  auto states = TaskStates("r", run_id);
  EXPECT_EQ(states["a"], (State{"success", 1}));
  EXPECT_EQ(states["b"], (State{"success", 1}));
  auto a = *store_->ListAttempts("r", run_id, "a");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Iso(*a[0].end), "2025-01-06T12:10:00Z");
  // The task instance, too, ended when its attempt did, not when the scheduler learnt of it.
  for (const auto& ti : *store_->ListTaskInstances("r", run_id)) {
    if (ti.task_id == "a") {
      EXPECT_EQ(Iso(*ti.end), "2025-01-06T12:10:00Z");
    }
  }
}

TEST_F(SchedulerTest, ARunWhoseLastTaskEndedWhileDownEndsWhenThatTaskDid) {
  source_.Set("/dags/r.yaml", R"(
dag: r
tasks:
  a: {run: "x"}
)");
  executor_.Script("a", {{minutes(10), 3}});
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("r", "{}");
  RunUntil(T("2025-01-06T12:01:00Z"));
  scheduler_.reset();
  clock_.Set(T("2025-01-06T13:00:00Z"));  // a failed at 12:10 while nobody watched
  StartScheduler();
  RunUntil(T("2025-01-06T13:30:00Z"));
  RunRecord run = OnlyRun("r");
  EXPECT_EQ(RunStateName(run.state), std::string("failed"));
  EXPECT_EQ(Iso(*run.end), "2025-01-06T12:10:00Z");
  auto tis = *store_->ListTaskInstances("r", run_id);
  ASSERT_EQ(tis.size(), 1u);
  EXPECT_EQ(Iso(*tis[0].end), "2025-01-06T12:10:00Z");
}

TEST_F(SchedulerTest, RestartFindsALostAttemptAndAppliesTheRetryPolicy) {
  source_.Set("/dags/l.yaml", R"(
dag: l
tasks:
  a: {run: "x", retries: 1, retry_delay: 1m}
)");
  executor_.Script("a", {{minutes(10), 0}});
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("l", "{}");
  RunUntil(T("2025-01-06T12:01:00Z"));
  scheduler_.reset();
  executor_.LoseAttempt({"l", run_id, "a", 1});  // its supervisor was killed too
  StartScheduler();
  RunUntil(T("2025-01-06T12:30:00Z"));
  auto attempts = *store_->ListAttempts("l", run_id, "a");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(AttemptStateName(attempts[0].state), std::string("failed"));
  EXPECT_EQ(attempts[0].error, "lost: supervisor exited without a result");
  EXPECT_EQ(AttemptStateName(attempts[1].state), std::string("success"));
  EXPECT_EQ(TaskStates("l", run_id)["a"], (State{"success", 2}));
}

TEST_F(SchedulerTest, AnAttemptWhoseLogWasCutSaysSoInItsRecordAndAWarning) {
  source_.Set("/dags/c.yaml", R"(
dag: c
tasks:
  a: {run: "x"}
)");
  executor_.Script("a", {{minutes(1), 0, 5230, "No space left on device"}});
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("c", "{}");
  RunUntil(T("2025-01-06T12:10:00Z"));
  EXPECT_EQ(TaskStates("c", run_id)["a"], (State{"success", 1}));
  auto a = *store_->ListAttempts("c", run_id, "a");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].log_note, "log cut: No space left on device: 5230 bytes not kept");
  WriteBatch ended;
  ended.attempts = {a[0]};
  EXPECT_EQ(DecisionWarnings(ended),
            (std::vector<std::string>{"task c/" + run_id +
                                      "/a try 1: log cut: No space left on device: 5230 bytes "
                                      "not kept"}));
}

}  // namespace
}  // namespace sluice::testing
