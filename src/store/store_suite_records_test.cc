// Conformance suite, part 1: every record type round-trips field by field, and each upsert
// rule of WriteBatch holds.
#include <gmock/gmock.h>

#include <algorithm>

#include "store/store_suite.h"

namespace sluice {

using ::testing::ElementsAre;

DagRecord FullDag(const std::string& dag_id) {
  DagRecord d;
  d.dag_id = dag_id;
  d.file = "dags/" + dag_id + ".yaml";
  d.hash = "h-" + dag_id;
  d.deleted = true;
  d.errors_json = R"(["dags/x.yaml:3:5: error: unknown key 'retires'"])";
  d.last_scheduled = Jan2(123'456);
  return d;
}

RunRecord FullRun(const std::string& dag_id, const std::string& run_id, TimePoint logical_date) {
  RunRecord r;
  r.dag_id = dag_id;
  r.run_id = run_id;
  r.type = RunType::kBackfill;
  r.state = RunState::kRunning;
  r.logical_date = logical_date;
  r.data_interval_start = logical_date;
  r.data_interval_end = logical_date + Duration(kHourUs);
  r.dag_hash = "abc123";
  r.params_json = R"({"root":"/data"})";
  r.queued_at = logical_date + Duration(kHourUs + 1);
  r.start = logical_date + Duration(kHourUs + 2);
  r.end = logical_date + Duration(kHourUs + 3);
  r.sla_missed_at = logical_date + Duration(kHourUs + 4);
  return r;
}

TaskInstanceRecord FullTaskInstance(const std::string& dag_id, const std::string& run_id,
                                    const std::string& task_id) {
  TaskInstanceRecord t;
  t.dag_id = dag_id;
  t.run_id = run_id;
  t.task_id = task_id;
  t.state = TaskState::kUpForRetry;
  t.try_number = 2;
  t.retry_base = 1;
  t.start = Jan2(1);
  t.end = Jan2(2);
  t.next_try_at = Jan2(3);
  t.owner = "worker-1";
  t.lease_until = Jan2(4);
  return t;
}

AttemptRecord FullAttempt(const std::string& dag_id, const std::string& run_id,
                          const std::string& task_id, int try_number) {
  AttemptRecord a;
  a.dag_id = dag_id;
  a.run_id = run_id;
  a.task_id = task_id;
  a.try_number = try_number;
  a.state = AttemptState::kFailed;
  a.start = Jan2(int64_t{10} * try_number);
  a.end = Jan2(int64_t{10} * try_number + 5);
  a.exit_code = 3;
  a.signal = 9;
  a.timed_out = true;
  a.host = "worker-1";
  a.pid = 4'000'000'123;  // beyond 32 bits: stored as a 64-bit integer
  a.log_path = "/logs/" + task_id + "/" + std::to_string(try_number) + ".log";
  a.error = "lost: supervisor gone";
  a.kill_requested = true;
  a.log_note = "log cut: No space left on device: 12 bytes not kept";
  a.long_running_at = Jan2(int64_t{10} * try_number + 4);
  return a;
}

EventRecord Event(const std::string& kind, const std::string& detail) {
  EventRecord e;
  e.time = Jan2(7);
  e.dag_id = "d";
  e.run_id = "r";
  e.task_id = "t";
  e.kind = kind;
  e.from = "queued";
  e.to = "running";
  e.detail = detail;
  return e;
}

std::vector<TaskInstanceRecord> TaskInstancesOf(const std::vector<AttemptRecord>& attempts) {
  std::vector<TaskInstanceRecord> out;
  for (const AttemptRecord& a : attempts) {
    TaskInstanceRecord t{.dag_id = a.dag_id, .run_id = a.run_id, .task_id = a.task_id};
    t.state = TaskState::kRunning;
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

TEST_P(StoreSuite, DagRoundTripsFieldByField) {
  WriteBatch b;
  b.dags = {FullDag("full"), DagRecord{.dag_id = "bare"}};
  ASSERT_TRUE(IsOk(Apply(b)));

  DagRecord got = Must(store_->GetDag("full")).value_or(DagRecord{});
  EXPECT_EQ(got.dag_id, "full");
  EXPECT_EQ(got.file, "dags/full.yaml");
  EXPECT_EQ(got.hash, "h-full");
  EXPECT_FALSE(got.paused);
  EXPECT_TRUE(got.deleted);
  EXPECT_EQ(got.errors_json, R"(["dags/x.yaml:3:5: error: unknown key 'retires'"])");
  EXPECT_EQ(got.last_scheduled, Jan2(123'456));
  EXPECT_EQ(Must(store_->GetDag("bare")), DagRecord{.dag_id = "bare"});
  EXPECT_EQ(Must(store_->GetDag("absent")), std::nullopt);
  // Sorted by id.
  EXPECT_THAT(Must(store_->ListDags()), ElementsAre(DagRecord{.dag_id = "bare"}, FullDag("full")));
}

TEST_P(StoreSuite, DagUpsertReplacesEverythingButPaused) {
  WriteBatch pause;
  pause.set_paused = {{"d", true}};
  ASSERT_TRUE(IsOk(Apply(pause)));

  WriteBatch upsert;
  upsert.dags = {FullDag("d")};  // paused = false in the record
  ASSERT_TRUE(IsOk(Apply(upsert)));
  DagRecord expected = FullDag("d");
  expected.paused = true;
  EXPECT_EQ(Must(store_->GetDag("d")), expected);

  // A second upsert replaces every other field, optionals included.
  DagRecord changed{.dag_id = "d", .file = "dags/new.yml", .hash = "h2"};
  upsert.dags = {changed};
  ASSERT_TRUE(IsOk(Apply(upsert)));
  changed.paused = true;
  EXPECT_EQ(Must(store_->GetDag("d")), changed);
}

TEST_P(StoreSuite, DagInsertIgnoresPausedInTheRecord) {
  DagRecord d = FullDag("d");
  d.paused = true;
  WriteBatch b;
  b.dags = {d};
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_FALSE(Must(store_->GetDag("d")).value_or(DagRecord{.paused = true}).paused);
}

TEST_P(StoreSuite, SetPausedCreatesAnAbsentDagAndTogglesIt) {
  WriteBatch b;
  b.set_paused = {{"ghost", true}};
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_EQ(Must(store_->GetDag("ghost")), (DagRecord{.dag_id = "ghost", .paused = true}));

  b.set_paused = {{"ghost", false}};
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_EQ(Must(store_->GetDag("ghost")), DagRecord{.dag_id = "ghost"});
}

TEST_P(StoreSuite, DagVersionIsInsertedOnlyIfAbsent) {
  WriteBatch b;
  b.dag_versions = {{"d", "h1", R"({"tasks":1})", Jan2(1)}};
  ASSERT_TRUE(IsOk(Apply(b)));
  b.dag_versions = {{"d", "h1", R"({"tasks":2})", Jan2(2)}, {"d", "h2", "{}", Jan2(3)}};
  ASSERT_TRUE(IsOk(Apply(b)));

  EXPECT_EQ(Must(store_->GetDagVersion("d", "h1")),
            (DagVersionRecord{"d", "h1", R"({"tasks":1})", Jan2(1)}));
  EXPECT_EQ(Must(store_->GetDagVersion("d", "h2")), (DagVersionRecord{"d", "h2", "{}", Jan2(3)}));
  EXPECT_EQ(Must(store_->GetDagVersion("d", "h3")), std::nullopt);
  EXPECT_EQ(Must(store_->GetDagVersion("other", "h1")), std::nullopt);
}

TEST_P(StoreSuite, RunRoundTripsEveryTypeAndStateAndOptional) {
  WriteBatch b;
  std::vector<RunRecord> expected;
  int n = 0;
  for (RunType type : {RunType::kScheduled, RunType::kManual, RunType::kBackfill}) {
    for (RunState state :
         {RunState::kQueued, RunState::kRunning, RunState::kSuccess, RunState::kFailed}) {
      RunRecord r = FullRun("d", "run" + std::to_string(n), Jan2(n));
      r.type = type;
      r.state = state;
      if (n % 2 == 0) r.start.reset();
      if (n % 3 == 0) r.end.reset();
      ++n;
      b.runs.push_back(r);
      expected.push_back(r);
    }
  }
  ASSERT_TRUE(IsOk(Apply(b)));
  for (const RunRecord& r : expected) {
    EXPECT_EQ(Must(store_->GetRun("d", r.run_id)), r) << r.run_id;
  }
  EXPECT_EQ(Must(store_->GetRun("d", "nope")), std::nullopt);
  EXPECT_EQ(Must(store_->GetRun("e", "run0")), std::nullopt);
}

TEST_P(StoreSuite, RunUpsertReplacesTheRow) {
  WriteBatch b;
  RunRecord r = FullRun("d", "r", Jan2());
  r.state = RunState::kQueued;
  r.start.reset();
  r.end.reset();
  b.runs = {r};
  ASSERT_TRUE(IsOk(Apply(b)));
  r.state = RunState::kSuccess;
  r.start = Jan2(5);
  r.end = Jan2(9);
  r.params_json = "{}";
  b.runs = {r};
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_THAT(Must(store_->ListRuns({})), ElementsAre(r));
}

TEST_P(StoreSuite, ListRunsIsNewestLogicalDateFirstThenNewestRunId) {
  WriteBatch b;
  b.runs = {FullRun("a", "scheduled__1", Jan2(1)), FullRun("b", "manual__2", Jan2(2)),
            FullRun("a", "scheduled__2", Jan2(2)), FullRun("a", "backfill__0", Jan2(0))};
  ASSERT_TRUE(IsOk(Apply(b)));
  std::vector<std::string> ids;
  for (const RunRecord& r : Must(store_->ListRuns({}))) ids.push_back(r.dag_id + "/" + r.run_id);
  EXPECT_THAT(ids, ElementsAre("a/scheduled__2", "b/manual__2", "a/scheduled__1", "a/backfill__0"));
}

TEST_P(StoreSuite, ListRunsFilters) {
  auto run = [](const std::string& dag, const std::string& id, int64_t t, RunState s) {
    RunRecord r = FullRun(dag, id, Jan2(t));
    r.state = s;
    return r;
  };
  WriteBatch b;
  b.runs = {run("a", "r1", 1, RunState::kSuccess), run("a", "r2", 2, RunState::kRunning),
            run("a", "r3", 3, RunState::kQueued), run("b", "r4", 4, RunState::kRunning),
            run("b", "r5", 5, RunState::kFailed)};
  ASSERT_TRUE(IsOk(Apply(b)));
  auto ids = [&](const RunFilter& f) {
    std::vector<std::string> out;
    for (const RunRecord& r : Must(store_->ListRuns(f))) out.push_back(r.run_id);
    return out;
  };
  EXPECT_THAT(ids({.dag_id = "a"}), ElementsAre("r3", "r2", "r1"));
  EXPECT_THAT(ids({.dag_id = "zzz"}), ElementsAre());
  EXPECT_THAT(ids({.state = RunState::kRunning}), ElementsAre("r4", "r2"));
  EXPECT_THAT(ids({.states = {RunState::kQueued, RunState::kRunning}}),
              ElementsAre("r4", "r3", "r2"));
  EXPECT_THAT(ids({.dag_id = "a", .states = {RunState::kQueued, RunState::kRunning}}),
              ElementsAre("r3", "r2"));
  EXPECT_THAT(ids({.limit = 2}), ElementsAre("r5", "r4"));
  EXPECT_THAT(ids({.dag_id = "b", .state = RunState::kFailed, .limit = 10}), ElementsAre("r5"));
  // since: logical date at or after it, then the limit (`sluice runs list --since --limit`).
  EXPECT_THAT(ids({.since = Jan2(3)}), ElementsAre("r5", "r4", "r3"));
  EXPECT_THAT(ids({.dag_id = "a", .since = Jan2(2), .limit = 1}), ElementsAre("r3"));
  EXPECT_THAT(ids({.since = Jan2(6)}), ElementsAre());
}

// Two DAGs on one schedule share logical dates and run ids: the DAG id breaks the tie, so the
// order is total and a page boundary (`after`) never skips or repeats a run.
TEST_P(StoreSuite, ListRunsPagesByPositionWithoutSkippingOrRepeatingTies) {
  WriteBatch b;
  b.runs = {FullRun("a", "scheduled__1", Jan2(1)), FullRun("b", "scheduled__1", Jan2(1)),
            FullRun("c", "scheduled__1", Jan2(1)), FullRun("a", "scheduled__2", Jan2(2)),
            FullRun("a", "manual__1", Jan2(1)),    FullRun("b", "backfill__0", Jan2(0))};
  ASSERT_TRUE(IsOk(Apply(b)));
  auto name = [](const RunRecord& r) { return r.dag_id + "/" + r.run_id; };
  std::vector<std::string> all;
  for (const RunRecord& r : Must(store_->ListRuns({}))) all.push_back(name(r));
  EXPECT_THAT(all, ElementsAre("a/scheduled__2", "c/scheduled__1", "b/scheduled__1",
                               "a/scheduled__1", "a/manual__1", "b/backfill__0"));
  // Pages of two, each starting after the last run of the one before.
  std::vector<std::string> paged;
  RunFilter f{.limit = 2};
  for (int page = 0; page < 4; ++page) {
    const auto runs = Must(store_->ListRuns(f));
    if (runs.empty()) break;
    for (const RunRecord& r : runs) paged.push_back(name(r));
    f.after = RunFilter::Position{runs.back().logical_date, runs.back().run_id, runs.back().dag_id};
  }
  EXPECT_EQ(paged, all);
  // With other filters: after, then the DAG.
  f = {.dag_id = "a", .after = RunFilter::Position{Jan2(1), "scheduled__1", "b"}};
  std::vector<std::string> of_a;
  for (const RunRecord& r : Must(store_->ListRuns(f))) of_a.push_back(name(r));
  EXPECT_THAT(of_a, ElementsAre("a/scheduled__1", "a/manual__1"));
}

TEST_P(StoreSuite, TaskInstanceRoundTripsEveryState) {
  const TaskState all[] = {
      TaskState::kNone,       TaskState::kScheduled, TaskState::kQueued,
      TaskState::kRunning,    TaskState::kSuccess,   TaskState::kFailed,
      TaskState::kUpForRetry, TaskState::kSkipped,   TaskState::kUpstreamFailed,
      TaskState::kDeferred,   TaskState::kRemoved};
  WriteBatch b;
  int n = 0;
  for (TaskState s : all) {
    TaskInstanceRecord t = FullTaskInstance("d", "r", "t" + std::to_string(n));
    t.state = s;
    if (n % 2 == 1) t.start.reset();
    if (n % 3 == 1) t.end.reset();
    if (n % 4 == 1) t.next_try_at.reset();
    ++n;
    b.task_instances.push_back(t);
  }
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_EQ(Must(store_->ListTaskInstances("d", "r")), b.task_instances);
  EXPECT_THAT(Must(store_->ListTaskInstances("d", "other")), ElementsAre());
}

TEST_P(StoreSuite, ASensorsPokesRoundTripThroughUpsertsAndTransitions) {
  TaskInstanceRecord t = FullTaskInstance("d", "r", "wait");
  t.state = TaskState::kDeferred;
  t.pokes = 1;
  t.last_poke_at = t.start;
  t.last_poke = "no file matches in/*.csv";
  WriteBatch b;
  b.task_instances = {t};
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_THAT(Must(store_->ListTaskInstances("d", "r")), ElementsAre(t));
  // The next poke: a deferred row stays deferred, with the count and the result moved on.
  TaskInstanceRecord next = t;
  next.pokes = 2;
  next.last_poke_at = *t.start + std::chrono::seconds(30);
  next.last_poke = "1 file, 5 B";
  next.state = TaskState::kSuccess;
  WriteBatch moved;
  moved.task_transitions = {{next, TaskState::kDeferred}};
  ASSERT_TRUE(IsOk(Apply(moved)));
  EXPECT_THAT(Must(store_->ListTaskInstances("d", "r")), ElementsAre(next));
  // A task that is no sensor keeps none.
  TaskInstanceRecord plain = FullTaskInstance("d", "r", "plain");
  b.task_instances = {plain};
  ASSERT_TRUE(IsOk(Apply(b)));
  const auto listed = Must(store_->ListTaskInstances("d", "r"));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[1].pokes, 0);
  EXPECT_EQ(listed[1].last_poke_at, std::nullopt);
  EXPECT_EQ(listed[1].last_poke, "");
}

TEST_P(StoreSuite, ListTaskInstancesKeepsFirstInsertionOrderAcrossUpserts) {
  WriteBatch b;
  b.task_instances = {FullTaskInstance("d", "r", "zeta"), FullTaskInstance("d", "r", "alpha")};
  ASSERT_TRUE(IsOk(Apply(b)));
  TaskInstanceRecord zeta = FullTaskInstance("d", "r", "zeta");
  zeta.state = TaskState::kSuccess;
  zeta.next_try_at.reset();
  b.task_instances = {FullTaskInstance("d", "r", "mid"), zeta,
                      FullTaskInstance("d", "r2", "other")};
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_THAT(
      Must(store_->ListTaskInstances("d", "r")),
      ElementsAre(zeta, FullTaskInstance("d", "r", "alpha"), FullTaskInstance("d", "r", "mid")));
}

TEST_P(StoreSuite, AttemptRoundTripsEveryStateAndOptional) {
  WriteBatch b;
  int try_number = 1;
  for (AttemptState s : {AttemptState::kRunning, AttemptState::kSuccess, AttemptState::kFailed,
                         AttemptState::kSkipped}) {
    AttemptRecord a = FullAttempt("d", "r", "t", try_number);
    a.state = s;
    if (try_number == 1) {
      a = AttemptRecord{.dag_id = "d", .run_id = "r", .task_id = "t", .start = Jan2(10)};
    }
    ++try_number;
    b.attempts.push_back(a);
  }
  b.task_instances = TaskInstancesOf(b.attempts);
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_EQ(Must(store_->ListAttempts("d", "r", "t")), b.attempts);
  EXPECT_STREQ(AttemptStateName(AttemptState::kRunning), "running");
  EXPECT_STREQ(AttemptStateName(AttemptState::kSuccess), "success");
  EXPECT_STREQ(AttemptStateName(AttemptState::kFailed), "failed");
  EXPECT_STREQ(AttemptStateName(AttemptState::kSkipped), "skipped");
}

TEST_P(StoreSuite, AttemptUpsertRecordsTheEnd) {
  AttemptRecord a{.dag_id = "d", .run_id = "r", .task_id = "t", .start = Jan2(1), .pid = 42};
  WriteBatch b;
  b.attempts = {a};
  b.task_instances = TaskInstancesOf(b.attempts);
  ASSERT_TRUE(IsOk(Apply(b)));
  b.task_instances.clear();
  a.state = AttemptState::kSuccess;
  a.end = Jan2(2);
  a.exit_code = 0;
  b.attempts = {a};
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "t")), ElementsAre(a));
  EXPECT_THAT(Must(store_->ListRunningAttempts()), ElementsAre());
}

TEST_P(StoreSuite, ListAttemptsPerTaskOldestTryFirstAndWholeRunInStartOrder) {
  AttemptRecord b1 = FullAttempt("d", "r", "b", 1);  // starts at 10
  AttemptRecord b2 = FullAttempt("d", "r", "b", 2);  // starts at 20
  AttemptRecord a1 = FullAttempt("d", "r", "a", 1);
  a1.start = Jan2(15);
  WriteBatch w;
  w.attempts = {b2, a1, b1, FullAttempt("d", "r2", "b", 1), FullAttempt("e", "r", "b", 1)};
  w.task_instances = TaskInstancesOf(w.attempts);
  ASSERT_TRUE(IsOk(Apply(w)));
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "b")), ElementsAre(b1, b2));
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "")), ElementsAre(b1, a1, b2));
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "zzz")), ElementsAre());
}

// An attempt is stored under its task instance: without one, the batch fails and leaves
// nothing behind.
TEST_P(StoreSuite, AnAttemptWithoutItsTaskInstanceFailsTheBatch) {
  WriteBatch b;
  b.runs = {FullRun("d", "r", Jan2())};
  b.task_instances = {FullTaskInstance("d", "r", "other")};
  b.attempts = {FullAttempt("d", "r", "t", 1)};
  Status st = Apply(b);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "upsert attempt d/r/t try 1: no task instance d/r/t");
  EXPECT_THAT(Must(store_->ListRuns({})), ElementsAre());
  EXPECT_THAT(Must(store_->ListTaskInstances("d", "r")), ElementsAre());
  // With its task instance written first, in the same batch or an earlier one, it is stored.
  b.task_instances.push_back(FullTaskInstance("d", "r", "t"));
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "t")),
              ElementsAre(FullAttempt("d", "r", "t", 1)));
}

// Many tries of a task, and attempts written in an order unlike their tasks' order: each
// task's tries come back in order, whole runs in start order.
TEST_P(StoreSuite, AttemptsOfManyTasksAndTriesListInOrder) {
  WriteBatch b;
  for (const char* task : {"zeta", "alpha", "mid"}) {
    b.task_instances.push_back(FullTaskInstance("d", "r", task));
  }
  std::vector<AttemptRecord> mid;
  for (int try_number = 12; try_number >= 1; --try_number) {
    AttemptRecord a = FullAttempt("d", "r", "mid", try_number);
    b.attempts.push_back(a);
    mid.insert(mid.begin(), a);
  }
  b.attempts.push_back(FullAttempt("d", "r", "alpha", 1));
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_EQ(Must(store_->ListAttempts("d", "r", "mid")), mid);
  EXPECT_THAT(Must(store_->ListAttempts("d", "r", "zeta")), ElementsAre());
  std::vector<AttemptRecord> run = Must(store_->ListAttempts("d", "r", ""));
  ASSERT_EQ(run.size(), 13u);
  // alpha's try 1 and mid's try 1 start at the same instant: by task id then.
  EXPECT_EQ(run[0], FullAttempt("d", "r", "alpha", 1));
  EXPECT_EQ(run[1], mid[0]);
  EXPECT_EQ(run[12], mid[11]);
}

// Running attempts of open runs only: a run ends after all of its attempts have, so an ended
// run has none to look for.
TEST_P(StoreSuite, ListRunningAttemptsOfOpenRuns) {
  auto running = [](const std::string& dag, const std::string& run, const std::string& task) {
    AttemptRecord a = FullAttempt(dag, run, task, 1);
    a.state = AttemptState::kRunning;
    a.end.reset();
    a.exit_code.reset();
    a.signal.reset();
    return a;
  };
  auto run = [](const std::string& dag, const std::string& id, RunState state) {
    RunRecord r = FullRun(dag, id, Jan2());
    r.state = state;
    return r;
  };
  WriteBatch b;
  b.runs = {run("z", "r", RunState::kRunning), run("a", "r", RunState::kRunning),
            run("a", "q", RunState::kQueued), run("a", "done", RunState::kFailed)};
  b.attempts = {running("z", "r", "t"), FullAttempt("a", "r", "t", 1), running("a", "r", "t2"),
                running("a", "q", "t"), running("a", "done", "t")};
  b.task_instances = TaskInstancesOf(b.attempts);
  ASSERT_TRUE(IsOk(Apply(b)));
  EXPECT_THAT(Must(store_->ListRunningAttempts()),
              ElementsAre(running("a", "q", "t"), running("a", "r", "t2"), running("z", "r", "t")));
}

}  // namespace sluice
