// Conformance suite, part 3: mapped task instances. A task instance is named by (dag, run,
// task, map_index); map_index is nullopt for an unmapped task. Task instances, attempts and
// events carry it, round-trip it, and list in their documented orders.
#include <gmock/gmock.h>

#include "store/store_suite.h"

namespace sluice {

using ::testing::ElementsAre;

namespace {

TaskInstanceRecord Mapped(const std::string& task, std::optional<int> map_index) {
  TaskInstanceRecord t = FullTaskInstance("d", "r", task);
  t.map_index = map_index;
  return t;
}

AttemptRecord MappedAttempt(const std::string& task, std::optional<int> map_index, int try_number,
                            int64_t start_us) {
  AttemptRecord a = FullAttempt("d", "r", task, try_number);
  a.map_index = map_index;
  a.start = Jan2(start_us);
  return a;
}

}  // namespace

TEST_P(StoreSuite, MappedAndUnmappedInstancesOfATaskAreDistinctRowsInInsertionOrder) {
  WriteBatch b;
  // The unmapped `fetch`, then `split`'s instances 2, 0, 1 (written in that order), then
  // instance 0 of `fetch`: a task may be mapped in a later version of its DAG.
  b.task_instances = {Mapped("fetch", std::nullopt), Mapped("split", 2), Mapped("split", 0),
                      Mapped("split", 1), Mapped("fetch", 0)};
  b.task_instances[1].state = TaskState::kQueued;
  b.task_instances[2].owner.clear();
  b.task_instances[2].lease_until.reset();
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_EQ(Must(store_->ListTaskInstances("d", "r")), b.task_instances);

  // An upsert finds its row by the whole key: instance 2 changes, the others do not, and the
  // order of first insertion stays.
  TaskInstanceRecord two = Mapped("split", 2);
  two.state = TaskState::kSuccess;
  two.owner = "worker-2";
  two.lease_until = Jan2(99);
  WriteBatch update;
  update.task_instances = {two};
  ASSERT_TRUE(IsOk(Apply(update)));
  std::vector<TaskInstanceRecord> expected = b.task_instances;
  expected[1] = two;
  EXPECT_EQ(Must(store_->ListTaskInstances("d", "r")), expected);
}

TEST_P(StoreSuite, AttemptsOfMappedInstancesListByMapIndexThenTry) {
  WriteBatch b;
  b.task_instances = {Mapped("split", 1), Mapped("split", 0), Mapped("solo", std::nullopt)};
  AttemptRecord s1t1 = MappedAttempt("split", 1, 1, 10);
  AttemptRecord s1t2 = MappedAttempt("split", 1, 2, 40);
  AttemptRecord s0t1 = MappedAttempt("split", 0, 1, 20);
  AttemptRecord solo = MappedAttempt("solo", std::nullopt, 1, 30);
  b.attempts = {s1t2, solo, s0t1, s1t1};
  ASSERT_TRUE(IsOk(Apply(b)));

  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "split")), ElementsAre(s0t1, s1t1, s1t2));
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "split", 1)), ElementsAre(s1t1, s1t2));
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "split", 0)), ElementsAre(s0t1));
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "split", std::nullopt)), ElementsAre());
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "split", 7)), ElementsAre());
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "solo", std::nullopt)), ElementsAre(solo));
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "solo")), ElementsAre(solo));
  // The whole run: by start.
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "")), ElementsAre(s1t1, s0t1, solo, s1t2));
}

TEST_P(StoreSuite, AnAttemptOfAMappedInstanceNeedsThatInstance) {
  WriteBatch b;
  b.task_instances = {Mapped("split", std::nullopt), Mapped("split", 0)};
  b.attempts = {MappedAttempt("split", 3, 1, 10)};
  Status st = Apply(b);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "upsert attempt d/r/split[3] try 1: no task instance d/r/split[3]");
  EXPECT_THAT(Must(store_->ListTaskInstances("d", "r")), ElementsAre());
}

TEST_P(StoreSuite, RunningAttemptsOfMappedInstancesAreFoundForRecovery) {
  RunRecord run = FullRun("d", "r", Jan2());
  run.state = RunState::kRunning;
  auto running = [](std::optional<int> map_index) {
    AttemptRecord a = MappedAttempt("split", map_index, 1, 10);
    a.state = AttemptState::kRunning;
    a.end.reset();
    a.exit_code.reset();
    a.signal.reset();
    return a;
  };
  WriteBatch b;
  b.runs = {run};
  b.task_instances = {Mapped("split", 1), Mapped("split", 0)};
  b.attempts = {running(1), running(0)};
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_THAT(Must(store_->ListRunningAttempts()), ElementsAre(running(0), running(1)));
}

TEST_P(StoreSuite, EventsCarryTheMapIndex) {
  EventRecord mapped = Event("task_state", "mapped");
  mapped.map_index = 4;
  EventRecord plain = Event("task_state", "plain");
  WriteBatch b;
  b.events = {mapped, plain};
  ASSERT_TRUE(IsOk(Apply(b)));
  std::vector<EventRecord> got = Must(store_->ListEvents(0, 10));
  ASSERT_EQ(got.size(), 2u);
  mapped.id = got[0].id;
  plain.id = got[1].id;
  EXPECT_THAT(got, ElementsAre(mapped, plain));
}

// None is stored as -1, so a negative index would come back as none: it is refused.
TEST_P(StoreSuite, ANegativeMapIndexIsRefusedAndNothingIsWritten) {
  WriteBatch b;
  b.runs = {FullRun("d", "r", Jan2())};
  b.task_instances = {Mapped("split", -1)};
  Status st = Apply(b);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "task instance d/r/split: map_index -1 is negative (an unmapped task has none)");
  EXPECT_THAT(Must(store_->ListRuns({})), ElementsAre());

  WriteBatch e;
  e.events = {Event("task_state", "")};
  e.events[0].map_index = -2;
  EXPECT_EQ(Apply(e).message(),
            "event task_state of d/r/t: map_index -2 is negative (an unmapped task has none)");
  WriteBatch a;
  a.attempts = {MappedAttempt("t", -3, 2, 0)};
  EXPECT_EQ(Apply(a).message(),
            "attempt d/r/t try 2: map_index -3 is negative (an unmapped task has none)");
}

}  // namespace sluice
