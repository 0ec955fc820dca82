// Issue 13: a killed `sluice dags test` left its run `running` for ever beside a live
// scheduler. The scheduler now ends such a run in one stated way (abandoned_run.h).
#include "scheduler/abandoned_run.h"

#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

TEST(AbandonedRunTest, DagsTestOwners) {
  EXPECT_EQ(DagsTestExecutor("h1", 42), "dags-test@h1/42");
  auto owner = ParseDagsTestOwner("dags-test@h1.example/42");
  ASSERT_TRUE(owner);
  EXPECT_EQ(owner->host, "h1.example");
  EXPECT_EQ(owner->pid, 42);
  for (const char* other : {"local@h1", "dags-test@h1", "dags-test@h1/", "dags-test@h1/x",
                            "dags-test@/0", "worker-1"}) {
    EXPECT_FALSE(ParseDagsTestOwner(other)) << other;
  }
}

class AbandonedTestRunTest : public SchedulerTest {
 protected:
  // A run as a `dags test` process (`owner`) leaves it when killed: task a running (its lease
  // until 12:01:00), b waiting for a, c done.
  std::string WriteTestRun(const std::string& owner) {
    source_.Set("/dags/t.yaml",
                "dag: t\ntasks:\n  a: {run: x}\n  b: {run: x, needs: [a]}\n  c: {run: x}\n");
    StartScheduler();
    scheduler_.reset();  // the DAG and its version are stored
    RunRecord run;
    run.dag_id = "t";
    run.run_id = "manual__2025-01-06T12:00:00Z";
    run.state = RunState::kRunning;
    run.logical_date = run.data_interval_start = run.data_interval_end = run.queued_at =
        T("2025-01-06T12:00:00Z");
    run.start = run.queued_at;
    run.dag_hash = store_->GetDag("t")->value().hash;
    WriteBatch b;
    b.runs.push_back(run);
    TaskInstanceRecord a{"t", run.run_id, "a"};
    a.state = TaskState::kRunning;
    a.try_number = 1;
    a.start = run.start;
    a.owner = owner;
    a.lease_until = T("2025-01-06T12:01:00Z");
    TaskInstanceRecord bt{"t", run.run_id, "b"};
    TaskInstanceRecord c{"t", run.run_id, "c"};
    c.state = TaskState::kSuccess;
    c.try_number = 1;
    c.owner = owner;
    b.task_instances = {a, bt, c};
    AttemptRecord attempt{"t", run.run_id, "a"};
    attempt.start = *run.start;
    attempt.host = "localhost";
    b.attempts.push_back(attempt);
    EXPECT_TRUE(store_->Apply(b).ok());
    return run.run_id;
  }

  void ExpectEnded(const std::string& run_id, const std::string& reason) {
    RunRecord run = OnlyRun("t");
    EXPECT_EQ(RunStateName(run.state), std::string("failed"));
    EXPECT_EQ(TaskStates("t", run_id),
              (std::map<std::string, State>{
                  {"a", {"failed", 1}}, {"b", {"skipped", 0}}, {"c", {"success", 1}}}));
    auto attempts = store_->ListAttempts("t", run_id, "a");
    ASSERT_EQ(attempts->size(), 1u);
    EXPECT_EQ(AttemptStateName(attempts->at(0).state), std::string("failed"));
    EXPECT_EQ(attempts->at(0).error, "lost: " + reason);
    EXPECT_TRUE(executor_.launched().empty()) << "the scheduler does not continue a test's run";
  }
};

TEST_F(AbandonedTestRunTest, ALiveSchedulerEndsTheRunOnceTheTestsPidIsGoneOnItsHost) {
  bool gone = false;
  pid_gone_ = [&gone](int64_t pid) { return pid == 4242 && gone; };
  const std::string run_id = WriteTestRun("dags-test@localhost/4242");
  StartScheduler();
  // Alive: its run is its own, even after its lease would have run out.
  EXPECT_EQ(scheduler_->active_runs(), 0u);
  RunUntil(T("2025-01-06T12:00:30Z"));
  EXPECT_EQ(RunStateName(OnlyRun("t").state), std::string("running"));
  gone = true;  // kill -9 of the test: ended at the next check (a DAG poll here)
  RunUntil(T("2025-01-06T13:00:01Z"));
  ExpectEnded(run_id, "the dags test process 4242 on localhost ended");
  const RunRecord run = OnlyRun("t");
  EXPECT_EQ(Iso(*run.end), "2025-01-06T13:00:00Z");
}

TEST_F(AbandonedTestRunTest, ATestOnAnotherHostIsPresumedDeadWhenItsLeaseRunsOut) {
  pid_gone_ = [](int64_t) { return true; };  // this host's pids say nothing of host h2
  const std::string run_id = WriteTestRun("dags-test@h2/4242");
  StartScheduler();
  EXPECT_EQ(RunStateName(OnlyRun("t").state), std::string("running"));
  RunUntil(T("2025-01-06T13:00:01Z"));
  ExpectEnded(run_id, "the lease of dags-test@h2/4242 ended at 2025-01-06T12:01:00Z");
}

TEST_F(AbandonedTestRunTest, AStartingSchedulerEndsADeadTestsRunAtOnce) {
  pid_gone_ = [](int64_t pid) { return pid == 4242; };
  const std::string run_id = WriteTestRun("dags-test@localhost/4242");
  StartScheduler();
  ExpectEnded(run_id, "the dags test process 4242 on localhost ended");
  EXPECT_EQ(Iso(*OnlyRun("t").end), "2025-01-06T12:00:00Z");
}

}  // namespace
}  // namespace sluice::testing
