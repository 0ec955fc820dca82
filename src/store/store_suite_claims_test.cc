// Conformance suite, part 4: conditional transitions, and claims with leases. A transition
// writes its row only if the stored state is still the one expected; a mismatch fails the whole
// batch with kConflict. A claim is such a transition (queued -> running, with an owner and a
// lease), and two executors never claim the same task instance.
#include <gmock/gmock.h>

#include <algorithm>
#include <barrier>
#include <set>
#include <thread>

#include "store/store_suite.h"

namespace sluice {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

namespace {

constexpr const char* kRun = "manual__2025-01-06T12:00:00Z";

TaskInstanceRecord Ti(const std::string& task, TaskState state,
                      std::optional<int> map_index = std::nullopt) {
  return TaskInstanceRecord{
      .dag_id = "etl", .run_id = kRun, .task_id = task, .map_index = map_index, .state = state};
}

RunRecord RunIn(RunState state) {
  RunRecord r = FullRun("etl", kRun, Jan2());
  r.state = state;
  return r;
}

// A task instance as a claim leaves it.
TaskInstanceRecord Claimed(TaskInstanceRecord t, const std::string& executor, TimePoint lease) {
  t.state = TaskState::kRunning;
  t.owner = executor;
  t.lease_until = lease;
  return t;
}

}  // namespace

TEST_P(StoreSuite, ATaskTransitionIsWrittenWhenTheStoredStateIsAsExpected) {
  WriteBatch b;
  b.task_instances = {Ti("load", TaskState::kQueued)};
  ASSERT_TRUE(IsOk(Apply(b)));
  TaskInstanceRecord running = FullTaskInstance("etl", kRun, "load");
  running.state = TaskState::kRunning;
  WriteBatch t;
  t.task_transitions = {{running, TaskState::kQueued}};
  EXPECT_FALSE(t.empty());
  ASSERT_TRUE(IsOk(Apply(t)));
  EXPECT_THAT(Must(store_->ListTaskInstances("etl", kRun)), ElementsAre(running));
}

TEST_P(StoreSuite, ATaskTransitionFromAnotherStateFailsTheWholeBatch) {
  WriteBatch setup;
  setup.task_instances = {Ti("load", TaskState::kSuccess), Ti("split", TaskState::kFailed, 3)};
  int64_t command = Must(store_->EnqueueCommand({.created = Jan2(), .kind = "clear"}));
  ASSERT_TRUE(IsOk(Apply(setup)));

  // Everything else in the batch is valid; the transition's row is not in state queued.
  WriteBatch b;
  b.runs = {RunIn(RunState::kRunning)};
  b.task_instances = {Ti("extract", TaskState::kScheduled)};
  b.task_transitions = {{Ti("load", TaskState::kRunning), TaskState::kQueued}};
  b.attempts = {FullAttempt("etl", kRun, "extract", 1)};
  b.events = {Event("task_state", "")};
  CommandRecord done{.id = command, .state = "done"};
  b.finished_commands = {done};
  Status st = Apply(b);
  EXPECT_EQ(st.code(), StatusCode::kConflict);
  EXPECT_EQ(st.message(),
            "task instance etl/manual__2025-01-06T12:00:00Z/load: expected state queued, found "
            "success");
  EXPECT_THAT(Must(store_->ListRuns({})), ElementsAre());
  EXPECT_THAT(Must(store_->ListTaskInstances("etl", kRun)),
              ElementsAre(setup.task_instances[0], setup.task_instances[1]));
  EXPECT_THAT(Must(store_->ListAttempts("etl", kRun, "")), ElementsAre());
  EXPECT_THAT(Must(store_->ListEvents(0, 10)), ElementsAre());
  EXPECT_EQ(Must(store_->GetCommand(command)).value_or(CommandRecord{}).state, "pending");

  // A mapped instance is named with its index; an absent row says so.
  b = WriteBatch();
  b.task_transitions = {{Ti("split", TaskState::kScheduled, 3), TaskState::kUpForRetry}};
  EXPECT_EQ(Apply(b).message(),
            "task instance etl/manual__2025-01-06T12:00:00Z/split[3]: expected state "
            "up_for_retry, found failed");
  b.task_transitions = {{Ti("split", TaskState::kScheduled, 4), TaskState::kUpForRetry}};
  st = Apply(b);
  EXPECT_EQ(st.code(), StatusCode::kConflict);
  EXPECT_EQ(st.message(),
            "task instance etl/manual__2025-01-06T12:00:00Z/split[4]: expected state "
            "up_for_retry, but it does not exist");
  b.task_transitions = {{Ti("split", TaskState::kScheduled), TaskState::kFailed}};
  EXPECT_EQ(Apply(b).message(),
            "task instance etl/manual__2025-01-06T12:00:00Z/split: expected state failed, but "
            "it does not exist");
}

TEST_P(StoreSuite, RunTransitionsAreConditionalToo) {
  WriteBatch setup;
  setup.runs = {RunIn(RunState::kRunning)};
  ASSERT_TRUE(IsOk(Apply(setup)));
  WriteBatch b;
  b.run_transitions = {{RunIn(RunState::kSuccess), RunState::kRunning}};
  EXPECT_FALSE(b.empty());
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_THAT(Must(store_->ListRuns({})), ElementsAre(RunIn(RunState::kSuccess)));

  // The same transition again: the run is no longer running.
  Status st = Apply(b);
  EXPECT_EQ(st.code(), StatusCode::kConflict);
  EXPECT_EQ(st.message(),
            "run etl/manual__2025-01-06T12:00:00Z: expected state running, found success");
  RunRecord other = RunIn(RunState::kFailed);
  other.run_id = "manual__2025-01-07T00:00:00Z";
  b.run_transitions = {{other, RunState::kQueued}};
  EXPECT_EQ(Apply(b).message(),
            "run etl/manual__2025-01-07T00:00:00Z: expected state queued, but it does not exist");
}

// Transitions come after the upserts: a batch may create a row and move it on.
TEST_P(StoreSuite, TransitionsApplyAfterTheUpsertsOfTheirBatch) {
  WriteBatch b;
  b.runs = {RunIn(RunState::kQueued)};
  b.run_transitions = {{RunIn(RunState::kRunning), RunState::kQueued}};
  b.task_instances = {Ti("load", TaskState::kQueued)};
  b.task_transitions = {{Ti("load", TaskState::kRunning), TaskState::kQueued}};
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_THAT(Must(store_->ListRuns({})), ElementsAre(RunIn(RunState::kRunning)));
  EXPECT_THAT(Must(store_->ListTaskInstances("etl", kRun)),
              ElementsAre(Ti("load", TaskState::kRunning)));
}

// Oldest queued first: the order in which rows became queued, not the order they were created.
TEST_P(StoreSuite, ClaimQueuedTakesTheOldestQueuedFirstAndRecordsEachClaim) {
  WriteBatch first;
  first.task_instances = {Ti("a", TaskState::kScheduled), Ti("b", TaskState::kQueued),
                          Ti("c", TaskState::kQueued, 0), Ti("d", TaskState::kSuccess)};
  ASSERT_TRUE(IsOk(Apply(first)));
  WriteBatch second;
  // a becomes queued after b and c; b is written again, still queued, and keeps its place.
  second.task_instances = {Ti("a", TaskState::kQueued), Ti("b", TaskState::kQueued)};
  second.task_instances[1].try_number = 1;
  ASSERT_TRUE(IsOk(Apply(second)));

  TaskInstanceRecord b = second.task_instances[1];
  TaskInstanceRecord c = first.task_instances[2];
  TaskInstanceRecord a = second.task_instances[0];
  auto got = Must(store_->ClaimQueued("worker-1", 2, Jan2(kHourUs), Jan2(5)));
  EXPECT_THAT(got, ElementsAre(Claimed(b, "worker-1", Jan2(kHourUs)),
                               Claimed(c, "worker-1", Jan2(kHourUs))));
  EXPECT_THAT(Must(store_->ListTaskInstances("etl", kRun)),
              ElementsAre(a, Claimed(b, "worker-1", Jan2(kHourUs)),
                          Claimed(c, "worker-1", Jan2(kHourUs)), first.task_instances[3]));
  std::vector<EventRecord> events = Must(store_->ListEvents(0, 10));
  ASSERT_EQ(events.size(), 2u);
  EventRecord expected{.id = events[0].id,
                       .time = Jan2(5),
                       .dag_id = "etl",
                       .run_id = kRun,
                       .task_id = "b",
                       .kind = "task_state",
                       .from = "queued",
                       .to = "running",
                       .detail = "claimed by worker-1 until 2025-01-02T01:00:00Z"};
  EXPECT_EQ(events[0], expected);
  expected.id = events[1].id;
  expected.task_id = "c";
  expected.map_index = 0;
  EXPECT_EQ(events[1], expected);

  // Then a; then nothing is queued.
  EXPECT_THAT(Must(store_->ClaimQueued("worker-2", 5, Jan2(kHourUs), Jan2(6))),
              ElementsAre(Claimed(a, "worker-2", Jan2(kHourUs))));
  EXPECT_THAT(Must(store_->ClaimQueued("worker-2", 5, Jan2(kHourUs), Jan2(7))), IsEmpty());
}

TEST_P(StoreSuite, ClaimsRefuseAnEmptyExecutorOrLimit) {
  auto empty = store_->ClaimQueued("", 1, Jan2(1), Jan2());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.status().message(),
            "claim queued task instances for an executor: the executor's name is empty");
  EXPECT_EQ(store_->ClaimQueued("w", 0, Jan2(1), Jan2()).status().message(),
            "claim queued task instances for w: limit 0 is below 1");
  EXPECT_EQ(store_->RenewLeases("", Jan2(1)).status().message(),
            "renew leases: the executor's name is empty");
}

// A scheduler that saw a row queued and moves it conditionally loses to a claim made meanwhile,
// and a claim never takes a row a scheduler moved on.
TEST_P(StoreSuite, AClaimAndASchedulersTransitionOfOneRowNeverBothSucceed) {
  WriteBatch setup;
  setup.task_instances = {Ti("load", TaskState::kQueued), Ti("other", TaskState::kQueued)};
  ASSERT_TRUE(IsOk(Apply(setup)));
  ASSERT_EQ(Must(store_->ClaimQueued("worker-1", 1, Jan2(9), Jan2())).size(), 1u);
  WriteBatch scheduler;
  scheduler.task_transitions = {{Ti("load", TaskState::kRemoved), TaskState::kQueued}};
  EXPECT_EQ(Apply(scheduler).message(),
            "task instance etl/manual__2025-01-06T12:00:00Z/load: expected state queued, found "
            "running");
  scheduler.task_transitions = {{Ti("other", TaskState::kRemoved), TaskState::kQueued}};
  ASSERT_TRUE(IsOk(Apply(scheduler)));
  EXPECT_THAT(Must(store_->ClaimQueued("worker-1", 1, Jan2(9), Jan2())), IsEmpty());
}

TEST_P(StoreSuite, TwoExecutorsClaimingAtOnceNeverTakeTheSameTaskInstance) {
  constexpr int kQueued = 120;
  WriteBatch b;
  for (int i = 0; i < kQueued; ++i) {
    b.task_instances.push_back(Ti("t" + std::to_string(i), TaskState::kQueued));
  }
  ASSERT_TRUE(IsOk(Apply(b)));
  std::unique_ptr<Store> other = OpenUnmigrated();
  ASSERT_NE(other, nullptr);
  std::vector<TaskInstanceRecord> got[2];
  std::string errors[2];
  // Rounds in which both claim at the same moment: one takes the write lock first, the other
  // waits for it (busy_timeout) and must then find the first one's rows gone.
  constexpr int kRounds = kQueued / 6 + 1;
  std::barrier round(2);
  auto claim = [&](Store& store, int who) {
    const std::string name = "worker-" + std::to_string(who);
    for (int r = 0; r < kRounds; ++r) {
      round.arrive_and_wait();
      auto claimed = store.ClaimQueued(name, 3, Jan2(kHourUs), Jan2());
      if (!claimed.ok()) {
        errors[who] = claimed.status().message();
      } else {
        for (auto& t : *claimed) got[who].push_back(t);
      }
    }
  };
  std::thread one([&] { claim(*store_, 0); });
  claim(*other, 1);
  one.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  std::set<std::string> seen;
  for (int who : {0, 1}) {
    for (const TaskInstanceRecord& t : got[who]) {
      EXPECT_EQ(t.owner, "worker-" + std::to_string(who));
      EXPECT_TRUE(seen.insert(t.task_id).second) << t.task_id << " claimed twice";
    }
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kQueued));
  EXPECT_FALSE(got[0].empty());
  EXPECT_FALSE(got[1].empty());
  // What the store holds agrees with what each was told.
  for (const TaskInstanceRecord& t : Must(store_->ListTaskInstances("etl", kRun))) {
    const bool by_zero = std::find(got[0].begin(), got[0].end(), t) != got[0].end();
    const bool by_one = std::find(got[1].begin(), got[1].end(), t) != got[1].end();
    EXPECT_TRUE(by_zero != by_one) << t.task_id;
  }
}

TEST_P(StoreSuite, RenewLeasesExtendsOnlyTheRunningRowsTheExecutorHolds) {
  WriteBatch b;
  // Running task instances are found through their open run.
  b.runs = {RunIn(RunState::kRunning)};
  b.task_instances = {Ti("a", TaskState::kQueued), Ti("b", TaskState::kQueued),
                      Ti("c", TaskState::kQueued)};
  ASSERT_TRUE(IsOk(Apply(b)));
  ASSERT_EQ(Must(store_->ClaimQueued("worker-1", 2, Jan2(10), Jan2())).size(), 2u);
  ASSERT_EQ(Must(store_->ClaimQueued("worker-2", 1, Jan2(10), Jan2())).size(), 1u);
  // b ended: it is no longer held.
  WriteBatch ended;
  TaskInstanceRecord b_done = Claimed(Ti("b", TaskState::kQueued), "worker-1", Jan2(10));
  b_done.state = TaskState::kSuccess;
  ended.task_transitions = {{b_done, TaskState::kRunning}};
  ASSERT_TRUE(IsOk(Apply(ended)));

  EXPECT_EQ(Must(store_->RenewLeases("worker-1", Jan2(20))), 1);
  EXPECT_EQ(Must(store_->RenewLeases("worker-3", Jan2(20))), 0);
  EXPECT_THAT(Must(store_->ListTaskInstances("etl", kRun)),
              ElementsAre(Claimed(Ti("a", TaskState::kQueued), "worker-1", Jan2(20)), b_done,
                          Claimed(Ti("c", TaskState::kQueued), "worker-2", Jan2(10))));
}

TEST_P(StoreSuite, ListExpiredLeasesFindsRunningRowsWhoseLeaseEndedOldestFirst) {
  WriteBatch b;
  // Running task instances are found through their open run.
  b.runs = {RunIn(RunState::kRunning)};
  b.task_instances = {Ti("a", TaskState::kQueued), Ti("b", TaskState::kQueued),
                      Ti("c", TaskState::kQueued), Ti("local", TaskState::kRunning)};
  ASSERT_TRUE(IsOk(Apply(b)));
  ASSERT_EQ(Must(store_->ClaimQueued("worker-1", 1, Jan2(30), Jan2())).size(), 1u);  // a
  ASSERT_EQ(Must(store_->ClaimQueued("worker-2", 1, Jan2(10), Jan2())).size(), 1u);  // b
  ASSERT_EQ(Must(store_->ClaimQueued("worker-3", 1, Jan2(20), Jan2())).size(), 1u);  // c
  EXPECT_THAT(Must(store_->ListExpiredLeases(Jan2(10))), IsEmpty());
  EXPECT_THAT(Must(store_->ListExpiredLeases(Jan2(25))),
              ElementsAre(Claimed(Ti("b", TaskState::kQueued), "worker-2", Jan2(10)),
                          Claimed(Ti("c", TaskState::kQueued), "worker-3", Jan2(20))));
  // A renewal moves a lease out of the expired set; an ended row leaves it.
  ASSERT_EQ(Must(store_->RenewLeases("worker-2", Jan2(40))), 1);
  WriteBatch ended;
  TaskInstanceRecord c = Claimed(Ti("c", TaskState::kQueued), "worker-3", Jan2(20));
  c.state = TaskState::kFailed;
  ended.task_transitions = {{c, TaskState::kRunning}};
  ASSERT_TRUE(IsOk(Apply(ended)));
  EXPECT_THAT(Must(store_->ListExpiredLeases(Jan2(35))),
              ElementsAre(Claimed(Ti("a", TaskState::kQueued), "worker-1", Jan2(30))));
}

}  // namespace sluice
