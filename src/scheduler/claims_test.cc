// Work is claimed, not pushed: the scheduler's executor claims what it runs (owner and lease
// in the store), renews its leases, and treats another executor whose lease ran out as gone.
#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST_F(SchedulerTest, ATaskInstanceRunsUnderItsExecutorsClaimAndLeaseUntilItEnds) {
  source_.Set("/dags/c.yaml", "dag: c\ntasks:\n  t: {run: x}\n");
  executor_.Script("t", {{minutes(5), 0}});
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("c", "{}");
  RunUntil(T("2025-01-06T12:01:00Z"));
  TaskInstanceRecord ti = store_->ListTaskInstances("c", run_id)->at(0);
  EXPECT_EQ(ti.owner, "local@localhost");
  // Claimed at 12:00 for 60 s and renewed every 20 s while it runs.
  ASSERT_TRUE(ti.lease_until.has_value());
  EXPECT_GE(*ti.lease_until, T("2025-01-06T12:01:00Z"));
  EXPECT_LE(*ti.lease_until, T("2025-01-06T12:02:00Z"));
  EXPECT_TRUE(store_->ListExpiredLeases(T("2025-01-06T12:01:00Z"))->empty());
  RunUntil(T("2025-01-06T12:10:00Z"));
  ti = store_->ListTaskInstances("c", run_id)->at(0);
  EXPECT_EQ(ti.state, TaskState::kSuccess);
  EXPECT_EQ(ti.owner, "local@localhost");
  EXPECT_FALSE(ti.lease_until.has_value()) << "a claim ends with its attempt";
  bool claimed = false;
  for (const auto& e : *store_->ListEvents(0, 100)) {
    claimed = claimed || (e.task_id == "t" && e.from == "queued" && e.to == "running" &&
                          e.detail == "claimed by local@localhost until 2025-01-06T12:01:00Z");
  }
  EXPECT_TRUE(claimed) << "queued -> running is the claim, with its executor and lease";
}

// A scheduler restarts and finds a task instance another executor claimed (here: written into
// the store as a remote worker would have): it does not adopt or re-run it while the lease
// holds, and when the lease runs out the attempt is lost and the retry policy applies.
TEST_F(SchedulerTest, AnotherExecutorsExpiredLeaseLosesItsAttemptAndTheTaskRetries) {
  const std::string yaml = "dag: c\ntasks:\n  t: {run: x, retries: 1, retry_delay: 1m}\n";
  source_.Set("/dags/c.yaml", yaml);
  executor_.Script("t", {{minutes(30), 0}, {seconds(10), 0}});
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("c", "{}");
  RunUntil(T("2025-01-06T12:00:30Z"));
  // The scheduler dies; its attempt is gone with it, and worker-1 holds the task instance
  // until 12:02:00.
  scheduler_.reset();
  executor_.LoseAttempt({"c", run_id, "t", 1});
  TaskInstanceRecord ti = store_->ListTaskInstances("c", run_id)->at(0);
  ASSERT_EQ(ti.state, TaskState::kRunning);
  WriteBatch b;
  TaskInstanceRecord remote = ti;
  remote.owner = "worker-1";
  remote.lease_until = T("2025-01-06T12:02:00Z");
  b.task_transitions.push_back({remote, TaskState::kRunning});
  ASSERT_TRUE(store_->Apply(b).ok());

  source_.Set("/dags/c.yaml", yaml);
  StartScheduler();
  RunUntil(T("2025-01-06T12:01:50Z"));
  EXPECT_EQ(executor_.adopted(), 0) << "not ours to adopt";
  EXPECT_EQ(TaskStates("c", run_id)["t"], (State{"running", 1}));
  RunUntil(T("2025-01-06T12:10:00Z"));
  auto attempts = *store_->ListAttempts("c", run_id, "t");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].state, AttemptState::kFailed);
  EXPECT_EQ(attempts[0].error, "lost: the lease of worker-1 ended at 2025-01-06T12:02:00Z");
  EXPECT_EQ(attempts[1].state, AttemptState::kSuccess);
  EXPECT_EQ(TaskStates("c", run_id)["t"], (State{"success", 2}));
  EXPECT_EQ(store_->ListTaskInstances("c", run_id)->at(0).owner, "local@localhost");
}

}  // namespace
}  // namespace sluice::testing

namespace sluice::testing {
namespace {

// Another process (here: a direct write, as `tasks mark` without the scheduler's knowledge
// would be) moves a task instance the scheduler holds. The scheduler's next write of it finds
// the state it expected gone: the commit fails as a whole, nothing of it is acted on, and the
// scheduler reads the store again instead of overwriting what the other process wrote.
TEST_F(SchedulerTest, AWriteBehindTheSchedulersBackIsNotOverwritten) {
  source_.Set("/dags/c.yaml", "dag: c\ntasks:\n  t: {run: x}\n  after: {run: x, needs: [t]}\n");
  executor_.Script("t", {{minutes(5), 1}});
  StartScheduler();
  auto run_id = *scheduler_->TriggerRun("c", "{}");
  RunUntil(T("2025-01-06T12:01:00Z"));
  TaskInstanceRecord ti = store_->ListTaskInstances("c", run_id)->at(0);
  ASSERT_EQ(ti.task_id, "t") << "task instances are listed in the DAG's order";
  ASSERT_EQ(ti.state, TaskState::kRunning);
  WriteBatch b;
  TaskInstanceRecord done = ti;
  done.state = TaskState::kSuccess;
  done.end = T("2025-01-06T12:01:00Z");
  b.task_transitions.push_back({done, TaskState::kRunning});
  ASSERT_TRUE(store_->Apply(b).ok());
  // At 12:05 the attempt fails; the scheduler's write running -> failed conflicts.
  RunUntil(T("2025-01-06T12:10:00Z"));
  auto states = TaskStates("c", run_id);
  EXPECT_EQ(states["t"], (State{"success", 1})) << "the other process's write stands";
  EXPECT_EQ(states["after"], (State{"success", 1}));
  EXPECT_EQ(RunStateName(OnlyRun("c").state), std::string("success"));
  auto attempts = *store_->ListAttempts("c", run_id, "t");
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].state, AttemptState::kFailed) << "the attempt's own end is recorded";
}

}  // namespace
}  // namespace sluice::testing
