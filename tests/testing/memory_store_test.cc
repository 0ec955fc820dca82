// The store conformance suite on MemoryStore, and what only the fake has: connections sharing a
// MemoryDatabase, fault injection, and the rollback of its indexes, which the suite sees only
// through the SQLite store's transactions.
#include "tests/testing/memory_store.h"

#include <gmock/gmock.h>

#include <map>
#include <mutex>

#include "store/store_suite.h"
#include "tests/testing/temp_dir.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The suite names a database by its folder: one MemoryDatabase per folder, kept for the life of
// the test binary (every test's folder is new, and a test may close every connection and open
// the database again, as it could a file).
Result<std::unique_ptr<Store>> OpenMemoryStoreIn(const std::string& dir) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<MemoryDatabase>> databases;
  std::lock_guard<std::mutex> lock(mu);
  std::shared_ptr<MemoryDatabase>& db = databases[dir];
  if (!db) db = std::make_shared<MemoryDatabase>();
  return std::unique_ptr<Store>(std::make_unique<MemoryStore>(db));
}

INSTANTIATE_TEST_SUITE_P(Memory, StoreSuite,
                         ::testing::Values(StoreBackend{"memory", OpenMemoryStoreIn}),
                         [](const ::testing::TestParamInfo<StoreBackend>& param) {
                           return param.param.name;
                         });

RunRecord RunOf(const std::string& run_id, RunState state = RunState::kRunning) {
  RunRecord r = FullRun("d", run_id, Jan2());
  r.state = state;
  return r;
}

TaskInstanceRecord Ti(const std::string& task, TaskState state) {
  return TaskInstanceRecord{.dag_id = "d", .run_id = "r", .task_id = task, .state = state};
}

std::vector<std::string> RunIds(Store& store) {
  std::vector<std::string> out;
  for (const RunRecord& r : Must(store.ListRuns({}))) out.push_back(r.run_id);
  return out;
}

class MemoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(IsOk(store_.Migrate())); }

  MemoryStore store_;
};

TEST_F(MemoryStoreTest, ConnectionsToOneDatabaseShareItAndItOutlivesThem) {
  auto cli = std::make_unique<MemoryStore>(store_.database());
  EXPECT_EQ(Must(cli->SchemaVersion()), store_.LatestSchemaVersion());
  WriteBatch b;
  b.runs = {RunOf("r1")};
  ASSERT_TRUE(IsOk(cli->Apply(b)));
  EXPECT_THAT(RunIds(store_), ElementsAre("r1"));

  // A scheduler "restarted" on a new connection finds what the last one committed.
  std::shared_ptr<MemoryDatabase> db = store_.database();
  cli.reset();
  MemoryStore restarted(db);
  EXPECT_THAT(RunIds(restarted), ElementsAre("r1"));

  // A new MemoryStore has a database of its own.
  MemoryStore other;
  EXPECT_EQ(Must(other.SchemaVersion()), 0);
  ASSERT_TRUE(IsOk(other.Migrate()));
  EXPECT_THAT(RunIds(other), IsEmpty());
}

TEST_F(MemoryStoreTest, BeforeMigrateOnlyTheSchemaCallsWork) {
  MemoryStore fresh;
  EXPECT_EQ(Must(fresh.SchemaVersion()), 0);
  EXPECT_EQ(fresh.Check().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(IsOk(fresh.Housekeep()));
  EXPECT_TRUE(IsOk(fresh.Apply(WriteBatch{})));
  auto runs = fresh.ListRuns({});
  EXPECT_EQ(runs.status().code(), StatusCode::kIoError);
  EXPECT_EQ(runs.status().message(),
            "list runs: the store has no tables (schema version 0): run Migrate first");
  WriteBatch b;
  b.runs = {RunOf("r1")};
  EXPECT_EQ(fresh.Apply(b).message(),
            "apply a batch: the store has no tables (schema version 0): run Migrate first");
  EXPECT_EQ(fresh.EnqueueCommand({.kind = "trigger"}).status().code(), StatusCode::kIoError);
  // Argument errors come first, as the SQLite store's do.
  EXPECT_EQ(fresh.ClaimQueued("", 1, Jan2(), Jan2()).status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(IsOk(fresh.Migrate()));
  EXPECT_TRUE(IsOk(fresh.Apply(b)));
}

TEST_F(MemoryStoreTest, FailNextApplyFailsOneApplyWithTheStatusAndWritesNothing) {
  WriteBatch b;
  b.runs = {RunOf("r1")};
  b.events = {Event("run_state", "")};
  store_.FailNextApply(Status::Io("commit: disk I/O error"));
  Status st = store_.Apply(b);
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_EQ(st.message(), "commit: disk I/O error");
  EXPECT_THAT(RunIds(store_), IsEmpty());
  EXPECT_THAT(Must(store_.ListEvents(0, 10)), IsEmpty());

  // Only the next one: the same batch then goes through.
  ASSERT_TRUE(IsOk(store_.Apply(b)));
  EXPECT_THAT(RunIds(store_), ElementsAre("r1"));
  EXPECT_EQ(store_.apply_calls(), 2);
}

TEST_F(MemoryStoreTest, FailNextApplyTakesTheNextCallEvenAnEmptyOneAndTheLastStatusSet) {
  store_.FailNextApply(Status::Io("first"));
  store_.FailNextApply(Status::Conflict("second"));
  Status st = store_.Apply(WriteBatch{});
  EXPECT_EQ(st.code(), StatusCode::kConflict);
  EXPECT_EQ(st.message(), "second");
  EXPECT_TRUE(IsOk(store_.Apply(WriteBatch{})));
}

TEST_F(MemoryStoreTest, AnInjectedFailureIsThatConnectionsOnly) {
  MemoryStore cli(store_.database());
  store_.FailNextApply(Status::Io("disk I/O error"));
  WriteBatch b;
  b.runs = {RunOf("r1")};
  ASSERT_TRUE(IsOk(cli.Apply(b)));
  EXPECT_EQ(cli.apply_calls(), 1);
  EXPECT_EQ(store_.apply_calls(), 0);
  EXPECT_FALSE(store_.Apply(b).ok());
}

TEST_F(MemoryStoreTest, FailNextApplyAfterWritingCommitsTheBatchAndReportsTheStatus) {
  WriteBatch b;
  b.runs = {RunOf("r1")};
  store_.FailNextApplyAfterWriting(Status::Io("fsync: outcome unknown"));
  Status st = store_.Apply(b);
  EXPECT_EQ(st.message(), "fsync: outcome unknown");
  MemoryStore restarted(store_.database());
  EXPECT_THAT(RunIds(restarted), ElementsAre("r1"));

  // A batch that fails by itself still writes nothing, and reports its own error.
  WriteBatch conflict;
  conflict.runs = {RunOf("r2")};
  conflict.run_transitions = {{RunOf("r1", RunState::kSuccess), RunState::kQueued}};
  store_.FailNextApplyAfterWriting(Status::Io("fsync: outcome unknown"));
  EXPECT_EQ(store_.Apply(conflict).code(), StatusCode::kConflict);
  EXPECT_THAT(RunIds(restarted), ElementsAre("r1"));
}

TEST_F(MemoryStoreTest, ApplyCallsCountsEveryCall) {
  EXPECT_EQ(store_.apply_calls(), 0);
  WriteBatch ok;
  ok.runs = {RunOf("r1")};
  ASSERT_TRUE(IsOk(store_.Apply(ok)));
  ASSERT_TRUE(IsOk(store_.Apply(WriteBatch{})));
  WriteBatch conflict;
  conflict.run_transitions = {{RunOf("r9"), RunState::kQueued}};
  EXPECT_FALSE(store_.Apply(conflict).ok());
  store_.FailNextApply(Status::Io("x"));
  EXPECT_FALSE(store_.Apply(ok).ok());
  EXPECT_EQ(store_.apply_calls(), 4);
}

// A failed batch restores the queue: a task instance it took out of the queue and put back at
// the end is at its old place again.
TEST_F(MemoryStoreTest, AFailedBatchLeavesTheQueueAsItWas) {
  WriteBatch setup;
  setup.task_instances = {Ti("a", TaskState::kQueued), Ti("b", TaskState::kQueued)};
  ASSERT_TRUE(IsOk(store_.Apply(setup)));
  WriteBatch requeue;
  requeue.task_instances = {Ti("a", TaskState::kScheduled), Ti("a", TaskState::kQueued),
                            Ti("c", TaskState::kQueued)};
  requeue.task_transitions = {{Ti("b", TaskState::kRunning), TaskState::kScheduled}};
  ASSERT_EQ(store_.Apply(requeue).code(), StatusCode::kConflict);

  auto claimed = Must(store_.ClaimQueued("w", 5, Jan2(9), Jan2()));
  std::vector<std::string> tasks;
  for (const TaskInstanceRecord& t : claimed) tasks.push_back(t.task_id);
  EXPECT_THAT(tasks, ElementsAre("a", "b"));
}

// A failed batch that had closed a run leaves it open: its running attempts are still found.
TEST_F(MemoryStoreTest, AFailedBatchLeavesTheOpenRunsAsTheyWere) {
  RunRecord run = FullRun("d", "r", Jan2());
  run.state = RunState::kRunning;
  AttemptRecord attempt{.dag_id = "d", .run_id = "r", .task_id = "t", .start = Jan2()};
  WriteBatch setup;
  setup.runs = {run};
  setup.task_instances = {Ti("t", TaskState::kRunning)};
  setup.attempts = {attempt};
  ASSERT_TRUE(IsOk(store_.Apply(setup)));
  RunRecord done = run;
  done.state = RunState::kSuccess;
  WriteBatch close;
  close.run_transitions = {{done, RunState::kRunning}};
  close.finished_commands = {CommandRecord{.id = 42}};
  ASSERT_EQ(store_.Apply(close).code(), StatusCode::kNotFound);
  EXPECT_THAT(Must(store_.ListRunningAttempts()), ElementsAre(attempt));
  EXPECT_THAT(RunIds(store_), ElementsAre("r"));
  EXPECT_EQ(Must(store_.GetRun("d", "r")), run);
}

// Event ids stay increasing across a failed batch (the SQLite store reuses the ids a rolled
// back batch had taken, and so does this one).
TEST_F(MemoryStoreTest, EventIdsIncreaseAcrossAFailedBatch) {
  WriteBatch first;
  first.events = {Event("task_state", "1")};
  ASSERT_TRUE(IsOk(store_.Apply(first)));
  WriteBatch failing;
  failing.events = {Event("task_state", "lost"), Event("task_state", "lost")};
  failing.finished_commands = {CommandRecord{.id = 7}};
  ASSERT_FALSE(store_.Apply(failing).ok());
  WriteBatch second;
  second.events = {Event("task_state", "2")};
  ASSERT_TRUE(IsOk(store_.Apply(second)));
  std::vector<EventRecord> events = Must(store_.ListEvents(0, 10));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].detail, "1");
  EXPECT_EQ(events[1].detail, "2");
  EXPECT_GT(events[1].id, events[0].id);
}

// Runs with one logical date and run id in several DAGs (two DAGs on one schedule) come by DAG
// id, descending, in both stores (the API pages by that total order); the scheduler's recovery
// reads open runs in it. Checked here side by side with SQLite, filter by filter.
TEST_F(MemoryStoreTest, ListRunsOrdersTiesBetweenDagsAsTheSqliteStoreDoes) {
  TempDir dir;
  auto sqlite = OpenSqliteStore(dir.path() + "/sluice.db");
  ASSERT_TRUE(IsOk(sqlite));
  ASSERT_TRUE(IsOk((*sqlite)->Migrate()));
  WriteBatch b;
  const std::pair<const char*, RunState> runs[] = {
      {"z", RunState::kRunning}, {"b", RunState::kQueued},  {"y", RunState::kRunning},
      {"a", RunState::kQueued},  {"m", RunState::kSuccess}, {"q", RunState::kFailed}};
  for (const auto& [dag, state] : runs) {
    RunRecord r = FullRun(dag, "scheduled__2025-01-02T00:00:00Z", Jan2());
    r.state = state;
    b.runs.push_back(r);
  }
  RunRecord later = FullRun("k", "scheduled__2025-01-02T00:00:00Z", Jan2(kHourUs));
  later.state = RunState::kQueued;
  b.runs.push_back(later);
  ASSERT_TRUE(IsOk((*sqlite)->Apply(b)));
  ASSERT_TRUE(IsOk(store_.Apply(b)));
  auto dags = [](Store& store, const RunFilter& filter) {
    std::vector<std::string> out;
    for (const RunRecord& r : Must(store.ListRuns(filter))) out.push_back(r.dag_id);
    return out;
  };
  const RunFilter filters[] = {
      {},
      {.state = RunState::kRunning},
      {.states = {RunState::kQueued, RunState::kRunning}},
      {.states = {RunState::kRunning, RunState::kQueued, RunState::kSuccess}, .limit = 4},
      {.state = RunState::kQueued, .states = {RunState::kQueued, RunState::kRunning}},
  };
  for (const RunFilter& filter : filters) {
    EXPECT_EQ(dags(store_, filter), dags(**sqlite, filter));
  }
  EXPECT_THAT(dags(store_, filters[2]), ElementsAre("k", "z", "y", "b", "a"));
}

}  // namespace
}  // namespace sluice
