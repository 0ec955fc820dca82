// What holds a task, rule by rule, as `sluice tasks why` finds it: the real driver and planner
// run in simulated time into the situation, then a planner rebuilt from the store alone
// (LoadPlannerView, with no scheduler) explains it.
#include "scheduler/planner_view.h"
#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class ExplainTest : public SchedulerTest {
 protected:
  std::vector<Explanation> Why(const std::string& dag, const std::string& run,
                               const std::string& task, int parallelism = 2) {
    PlannerOptions options;
    options.parallelism = parallelism;
    options.logs_dir = dir_.path() + "/logs";
    auto view = LoadPlannerView(*store_, options, clock_.Now());
    EXPECT_TRUE(view.ok()) << view.status().message();
    if (!view.ok()) return {};
    return (*view)->Explain(dag, run, task, clock_.Now());
  }
};

TEST_F(ExplainTest, AnUpstreamThatHasNotEndedHoldsATaskByItsTriggerRule) {
  source_.Set("/dags/d.yaml", R"(
dag: d
tasks:
  a: {run: x}
  b: {run: x}
  c: {run: x, needs: [a, b]}
)");
  executor_.Script("a", {{minutes(10), 0}});
  StartScheduler();
  auto run = scheduler_->TriggerRun("d", "{}");
  ASSERT_TRUE(run.ok());
  RunUntil(T("2025-01-06T12:01:00Z"));
  auto why = Why("d", *run, "c");
  ASSERT_EQ(why.size(), 1u);
  EXPECT_EQ(why[0].rule, "trigger_rule");
  EXPECT_EQ(why[0].text, "all_success waits for 1 of 2 upstream task(s): a (running)");
  EXPECT_EQ(why[0].fields, nlohmann::json::parse(R"({"trigger_rule": "all_success",
      "upstream_total": 2, "upstream_done": 1,
      "waiting_for": [{"task": "a", "state": "running"}]})"));
  // The running task and the ended one are held by nothing.
  EXPECT_TRUE(Why("d", *run, "a").empty());
  EXPECT_TRUE(Why("d", *run, "b").empty());
}

TEST_F(ExplainTest, DependsOnPastNamesThePreviousRunAndTheTaskStateThere) {
  source_.Set("/dags/d.yaml", R"(
dag: d
schedule: "@daily"
start: 2025-01-04
catchup: true
tasks:
  t: {run: x, depends_on_past: true}
)");
  executor_.Script("scheduled__2025-01-04T00:00:00Z/t", {{seconds(1), 1}});
  StartScheduler();
  RunUntil(T("2025-01-06T12:01:00Z"));
  auto why = Why("d", "scheduled__2025-01-05T00:00:00Z", "t");
  ASSERT_EQ(why.size(), 1u);
  EXPECT_EQ(why[0].rule, "depends_on_past");
  EXPECT_EQ(why[0].text,
            "waits for t in the previous run scheduled__2025-01-04T00:00:00Z to end success or "
            "skipped (it is failed)");
  EXPECT_EQ(why[0].fields, nlohmann::json::parse(R"({
      "previous_run": "scheduled__2025-01-04T00:00:00Z", "previous_state": "failed"})"));
}

TEST_F(ExplainTest, ARetryWaitSaysUntilWhenAndWhichRetryComes) {
  source_.Set("/dags/d.yaml", R"(
dag: d
tasks:
  t: {run: x, retries: 2, retry_delay: 5m}
)");
  executor_.Script("t", {{seconds(30), 1}});
  StartScheduler();
  auto run = scheduler_->TriggerRun("d", "{}");
  ASSERT_TRUE(run.ok());
  RunUntil(T("2025-01-06T12:01:00Z"));
  auto why = Why("d", *run, "t");
  ASSERT_EQ(why.size(), 1u);
  EXPECT_EQ(why[0].rule, "retry_wait");
  EXPECT_EQ(why[0].text,
            "try 1 failed; try 2 (retry 1 of 2) starts at 2025-01-06T12:05:30Z (in 4m30s)");
  EXPECT_EQ(why[0].fields, nlohmann::json::parse(R"({"until": "2025-01-06T12:05:30Z",
      "next_try": 2, "retry": 1, "retries": 2})"));
}

TEST_F(ExplainTest, MaxActiveRunsHoldsAQueuedRunAndNamesTheRunningOnes) {
  source_.Set("/dags/d.yaml", R"(
dag: d
max_active_runs: 1
tasks:
  t: {run: x}
)");
  executor_.Script("t", {{minutes(10), 0}});
  StartScheduler();
  auto first = scheduler_->TriggerRun("d", "{}");
  ASSERT_TRUE(first.ok());
  RunUntil(T("2025-01-06T12:00:05Z"));
  auto second = scheduler_->TriggerRun("d", "{}");
  ASSERT_TRUE(second.ok());
  RunUntil(T("2025-01-06T12:01:00Z"));
  auto why = Why("d", *second, "t");
  ASSERT_EQ(why.size(), 1u);
  EXPECT_EQ(why[0].rule, "max_active_runs");
  EXPECT_EQ(why[0].text, "the run is queued: 1 of 1 runs of dag d are running: " + *first);
  EXPECT_EQ(why[0].fields,
            (nlohmann::json{{"max_active_runs", 1}, {"running", 1}, {"running_runs", {*first}}}));
}

TEST_F(ExplainTest, APausedDagHoldsItsQueuedRuns) {
  source_.Set("/dags/d.yaml", "dag: d\ntasks:\n  t: {run: x}\n");
  command_poll_interval_ = minutes(1);
  StartScheduler();
  SetPaused("d", true);
  auto run = scheduler_->TriggerRun("d", "{}");
  ASSERT_TRUE(run.ok());
  RunUntil(clock_.Now() + minutes(5));
  auto why = Why("d", *run, "t");
  ASSERT_EQ(why.size(), 1u);
  EXPECT_EQ(why[0].rule, "paused");
  EXPECT_EQ(why[0].text,
            "the run is queued and dag d is paused: `sluice dags unpause d` lets it start");
  EXPECT_EQ(why[0].fields, nlohmann::json::object());
}

TEST_F(ExplainTest, MaxActiveTasksNamesTheAttemptsThatHoldItsSlots) {
  source_.Set("/dags/d.yaml", R"(
dag: d
max_active_tasks: 1
tasks:
  a: {run: x}
  b: {run: x}
)");
  executor_.Script("a", {{minutes(10), 0}});
  StartScheduler(/*parallelism=*/4);
  auto run = scheduler_->TriggerRun("d", "{}");
  ASSERT_TRUE(run.ok());
  RunUntil(T("2025-01-06T12:01:00Z"));
  auto why = Why("d", *run, "b", /*parallelism=*/4);
  ASSERT_EQ(why.size(), 1u);
  EXPECT_EQ(why[0].rule, "max_active_tasks");
  EXPECT_EQ(why[0].text, "1 of 1 tasks of dag d run, across its runs: d/" + *run + "/a try 1");
  EXPECT_EQ(why[0].fields["max_active_tasks"], 1);
  EXPECT_EQ(why[0].fields["used"], 1);
  EXPECT_EQ(
      why[0].fields["held_by"],
      (nlohmann::json::array(
          {{{"dag", "d"}, {"run_id", *run}, {"task", "a"}, {"map_index", nullptr}, {"try", 1}}})));
}

TEST_F(ExplainTest, ParallelismCountsTheTaskProcessesOfEveryDag) {
  source_.Set("/dags/d.yaml", "dag: d\ntasks:\n  a: {run: x}\n");
  source_.Set("/dags/e.yaml", "dag: e\ntasks:\n  b: {run: x}\n");
  executor_.Script("a", {{minutes(10), 0}});
  StartScheduler(/*parallelism=*/1);
  auto d = scheduler_->TriggerRun("d", "{}");
  ASSERT_TRUE(d.ok());
  RunUntil(T("2025-01-06T12:00:05Z"));
  auto e = scheduler_->TriggerRun("e", "{}");
  ASSERT_TRUE(e.ok());
  RunUntil(T("2025-01-06T12:01:00Z"));
  auto why = Why("e", *e, "b", /*parallelism=*/1);
  ASSERT_EQ(why.size(), 1u);
  EXPECT_EQ(why[0].rule, "parallelism");
  EXPECT_EQ(why[0].text, "1 of 1 task processes run, across all DAGs: d/" + *d + "/a try 1");
  EXPECT_EQ(why[0].fields["slots"], 1);
  EXPECT_EQ(why[0].fields["used"], 1);
  EXPECT_EQ(why[0].fields["held_by"].size(), 1u);
}

TEST_F(ExplainTest, AnEndedRunOrAnUnknownTaskIsHeldByNothing) {
  source_.Set("/dags/d.yaml", "dag: d\ntasks:\n  t: {run: x}\n");
  StartScheduler();
  auto run = scheduler_->TriggerRun("d", "{}");
  ASSERT_TRUE(run.ok());
  RunUntil(T("2025-01-06T12:01:00Z"));
  EXPECT_EQ(TaskStates("d", *run), (std::map<std::string, State>{{"t", {"success", 1}}}));
  EXPECT_TRUE(Why("d", *run, "t").empty());
  EXPECT_TRUE(Why("d", *run, "nope").empty());
}

}  // namespace
}  // namespace sluice::testing
