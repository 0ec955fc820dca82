// Migrations on SQLite: each version's database upgrades to the latest keeping every row. Each
// test builds the database an older build left behind (its migrations, then rows written with
// that version's SQL), migrates it, and reads it back through the store.
#include <gmock/gmock.h>
#include <sqlite3.h>

#include "store/migrations.h"
#include "store/sqlite/sqlite_test_helpers.h"
#include "store/store_suite.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;

TEST_F(SqliteStoreTest, MigrationsAreRecordedInSchemaVersion) {
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(RawQuery(DbPath(dir_.path()), "SELECT version || ' ' || name FROM schema_version"),
              ElementsAre("1 0001_initial.sql", "2 0002_fewer_pages_per_turn.sql",
                          "3 0003_running_attempts_through_open_runs.sql",
                          "4 0004_attempts_in_task_instance_order.sql",
                          "5 0005_mapped_task_instances_and_claims.sql",
                          "6 0006_attempt_kill_requested.sql", "7 0007_attempt_log_note.sql",
                          "8 0008_sensor_pokes.sql", "9 0009_alert_deliveries.sql",
                          "10 0010_sla_miss.sql", "11 0011_users.sql"));
}

// Builds the database a build at schema `version` left behind: its migrations, then rows
// written with its SQL.
void CreateDatabaseAtVersion(const std::string& path, int version, const std::string& rows_sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string sql = "BEGIN;";
  for (const Migration& m : SqliteMigrations()) {
    if (m.version > version) break;
    sql += std::string(m.sql) + "INSERT INTO schema_version (version, name, applied_us) VALUES (" +
           std::to_string(m.version) + ", '" + m.name + "', 0);";
  }
  sql += rows_sql + "COMMIT;";
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// Version 2 rebuilds `events` and `attempts`: every row comes through unchanged, event ids
// included, and the store goes on from there. Version 3 ends an attempt left running in an
// ended run (dag e), which no scheduler looks for any more.
TEST_F(SqliteStoreTest, AVersion1DatabaseMigratesToTheLatestKeepingItsRows) {
  const std::string path = DbPath(dir_.path());
  // t1 failed on try 1 and runs try 2. Event ids have a gap, to show they are copied, not
  // renumbered.
  CreateDatabaseAtVersion(
      path, 1,
      "INSERT INTO runs (dag_id, run_id, type, state, logical_date_us, data_interval_start_us, "
      "  data_interval_end_us, dag_hash, params_json, queued_at_us, start_us, end_us) "
      "VALUES ('d', 'r', 'backfill', 'running', 1735776000000000, 1735776000000000, "
      "  1735779600000000, 'abc123', '{\"root\":\"/data\"}', 1735779600000001, "
      "  1735779600000002, 1735779600000003);"
      "INSERT INTO task_instances (dag_id, run_id, task_id, state, try_number, retry_base, "
      "  start_us, end_us, next_try_at_us) "
      "VALUES ('d', 'r', 't', 'up_for_retry', 2, 1, 1735776000000001, 1735776000000002, "
      "  1735776000000003);"
      "INSERT INTO attempts (dag_id, run_id, task_id, try_number, state, start_us, end_us, "
      "  exit_code, signal, timed_out, host, pid, log_path, error) VALUES "
      "  ('d', 'r', 't1', 1, 'failed', 1735776000000010, 1735776000000015, 3, 9, 1, "
      "   'worker-1', 4000000123, '/logs/t1/1.log', 'lost: supervisor gone'),"
      "  ('d', 'r', 't1', 2, 'running', 1735776000000020, NULL, NULL, NULL, 0, "
      "   'worker-1', 77, '/logs/t1/2.log', ''),"
      "  ('e', 'old', 'gone', 1, 'running', 1735776000000040, NULL, NULL, NULL, 0, "
      "   'worker-1', 78, '/logs/gone/1.log', '');"
      "INSERT INTO runs (dag_id, run_id, type, state, logical_date_us, data_interval_start_us, "
      "  data_interval_end_us, dag_hash, params_json, queued_at_us, start_us, end_us) "
      "VALUES ('e', 'old', 'manual', 'success', 1735776000000000, 1735776000000000, "
      "  1735779600000000, 'abc123', '{}', 1735779600000001, 1735779600000002, "
      "  1735779600000003);"
      "INSERT INTO events (id, time_us, dag_id, run_id, task_id, kind, from_state, to_state, "
      "  detail) VALUES "
      "  (1, 1735776000000007, 'd', 'r', 't', 'task_state', 'queued', 'running', '1'),"
      "  (2, 1735776000000007, 'd', 'r', 't', 'task_state', 'queued', 'running', '2'),"
      "  (5, 1735776000000007, 'd', 'r', 't', 'task_state', 'queued', 'running', '5');"
      "INSERT INTO commands (created_us, kind) VALUES (1735776000000000, 'trigger');");
  auto opened = OpenSqliteStore(path);
  ASSERT_TRUE(IsOk(opened));
  Store& store = **opened;
  EXPECT_EQ(Must(store.SchemaVersion()), 1);
  ASSERT_TRUE(IsOk(store.Migrate()));
  EXPECT_EQ(Must(store.SchemaVersion()), store.LatestSchemaVersion());
  EXPECT_TRUE(IsOk(store.Check()));

  RunFilter dag_d;
  dag_d.dag_id = "d";
  RunRecord run = FullRun("d", "r", Jan2());
  run.sla_missed_at.reset();  // from before version 10: no SLA was ever missed
  EXPECT_THAT(Must(store.ListRuns(dag_d)), ElementsAre(run));
  AttemptRecord gone{.dag_id = "e",
                     .run_id = "old",
                     .task_id = "gone",
                     .try_number = 1,
                     .state = AttemptState::kFailed,
                     .start = Jan2(40),
                     .end = Jan2(40),
                     .host = "worker-1",
                     .pid = 78,
                     .log_path = "/logs/gone/1.log",
                     .error =
                         "lost: still running in an ended run when the store was "
                         "upgraded to schema 3"};
  EXPECT_THAT(Must(store.ListAttempts("e", "old", "gone")), ElementsAre(gone));
  // Version 4 stores attempts under their task instances: t1's attempts had none, so t1 now
  // has one, removed, with its tries, first start and last end.
  TaskInstanceRecord t1{.dag_id = "d",
                        .run_id = "r",
                        .task_id = "t1",
                        .state = TaskState::kRemoved,
                        .try_number = 2,
                        .start = Jan2(10),
                        .end = Jan2(15)};
  // Rows from before version 5 have no owner and no lease.
  TaskInstanceRecord t = FullTaskInstance("d", "r", "t");
  t.owner.clear();
  t.lease_until.reset();
  EXPECT_THAT(Must(store.ListTaskInstances("d", "r")), ElementsAre(t, t1));
  AttemptRecord failed = FullAttempt("d", "r", "t1", 1);
  failed.log_path = "/logs/t1/1.log";
  failed.kill_requested = false;   // from before version 6: no kill was ever requested
  failed.log_note.clear();         // from before version 7: logs were never cut
  failed.long_running_at.reset();  // from before version 10: none was found running long
  AttemptRecord running{.dag_id = "d",
                        .run_id = "r",
                        .task_id = "t1",
                        .try_number = 2,
                        .start = Jan2(20),
                        .host = "worker-1",
                        .pid = 77,
                        .log_path = "/logs/t1/2.log"};
  EXPECT_THAT(Must(store.ListAttempts("d", "r", "t1")), ElementsAre(failed, running));
  EXPECT_THAT(Must(store.ListRunningAttempts()), ElementsAre(running));
  std::vector<EventRecord> events = Must(store.ListEvents(0, 10));
  ASSERT_EQ(events.size(), 3u);
  for (auto [i, id] : {std::pair{0, 1}, {1, 2}, {2, 5}}) {
    EventRecord expected = Event("task_state", std::to_string(id));
    expected.id = id;
    EXPECT_EQ(events[static_cast<size_t>(i)], expected);
  }
  EXPECT_EQ(Must(store.GetCommand(1)).value_or(CommandRecord{}).kind, "trigger");

  // Writes go on as before: the running attempt ends, a new event follows the newest id.
  WriteBatch b;
  running.state = AttemptState::kSuccess;
  running.end = Jan2(30);
  running.exit_code = 0;
  b.attempts = {running};
  b.events = {Event("task_state", "6")};
  ASSERT_TRUE(IsOk(store.Apply(b)));
  EXPECT_THAT(Must(store.ListRunningAttempts()), ElementsAre());
  EXPECT_THAT(Must(store.ListAttempts("d", "r", "t1")), ElementsAre(failed, running));
  events = Must(store.ListEvents(5, 10));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, 6);
  EXPECT_EQ(Must(store.EnqueueCommand({.created = Jan2(), .kind = "clear"})), 2);
  EXPECT_THAT(RawQuery(path,
                       "SELECT name FROM sqlite_schema WHERE tbl_name = 'attempts' "
                       "ORDER BY name"),
              ElementsAre("attempts"));
  EXPECT_THAT(RawQuery(path, "SELECT name FROM sqlite_sequence ORDER BY name"),
              ElementsAre("commands"));
}

// A version-3 database with history: runs, task instances in every state, attempts with
// retries, events. Version 4 rebuilds attempts under their task instances and version 5
// rebuilds task_instances with a map index and claims: every row comes through, unmapped,
// with no owner, in its order, and the store goes on from there (queued rows claimable in the
// order they were written, new attempts after the old ones).
TEST_F(SqliteStoreTest, AVersion3DatabaseWithHistoryMigratesKeepingEveryRow) {
  const std::string path = DbPath(dir_.path());
  std::string rows =
      "INSERT INTO runs (dag_id, run_id, type, state, logical_date_us, data_interval_start_us, "
      "  data_interval_end_us, dag_hash, params_json, queued_at_us, start_us, end_us) VALUES "
      "('etl', 'old', 'scheduled', 'success', 1735776000000000, 1735776000000000, "
      "  1735779600000000, 'h1', '{}', 1735779600000001, 1735779600000002, 1735779600000003),"
      "('etl', 'new', 'manual', 'running', 1735862400000000, 1735862400000000, "
      "  1735862400000000, 'h2', '{\"k\":1}', 1735862400000001, 1735862400000002, NULL);";
  // Task instances of `new` in an order unlike their names; `old` ran each task once, `load`
  // of `new` failed once and runs again.
  const char* tasks[][3] = {{"new", "zeta", "queued"},       {"new", "load", "running"},
                            {"new", "alpha", "queued"},      {"new", "gone", "removed"},
                            {"old", "extract", "success"},   {"new", "extract", "success"},
                            {"new", "later", "up_for_retry"}};
  for (auto& [run, task, state] : tasks) {
    rows += std::string(
                "INSERT INTO task_instances (dag_id, run_id, task_id, state, try_number, "
                "retry_base, start_us, end_us, next_try_at_us) VALUES ('etl', '") +
            run + "', '" + task + "', '" + state + "', 1, 0, 1735862400000010, NULL, NULL);";
  }
  rows +=
      "UPDATE task_instances SET try_number = 2 WHERE task_id = 'load';"
      "INSERT INTO attempts (dag_id, run_id, task_id, try_number, state, start_us, end_us, "
      "  exit_code, signal, timed_out, host, pid, log_path, error) VALUES "
      "('etl', 'new', 'load', 2, 'running', 1735862400000030, NULL, NULL, NULL, 0, 'h', 12, "
      "  '/l/load.2.log', ''),"
      "('etl', 'new', 'load', 1, 'failed', 1735862400000020, 1735862400000025, 1, NULL, 0, 'h', "
      "  11, '/l/load.1.log', ''),"
      "('etl', 'old', 'extract', 1, 'success', 1735776000000020, 1735776000000025, 0, NULL, 0, "
      "  'h', 10, '/l/extract.1.log', ''),"
      "('etl', 'new', 'extract', 1, 'success', 1735862400000015, 1735862400000016, 0, NULL, 0, "
      "  'h', 13, '/l/extract.1.log', '');"
      "INSERT INTO events (id, time_us, dag_id, run_id, task_id, kind, from_state, to_state, "
      "  detail) VALUES (3, 1735862400000020, 'etl', 'new', 'load', 'task_state', 'queued', "
      "  'running', 'try 1'), (9, 1735862400000021, 'etl', 'new', '', 'run_state', 'queued', "
      "  'running', '');";
  CreateDatabaseAtVersion(path, 3, rows);
  auto opened = OpenSqliteStore(path);
  ASSERT_TRUE(IsOk(opened));
  Store& store = **opened;
  EXPECT_EQ(Must(store.SchemaVersion()), 3);
  ASSERT_TRUE(IsOk(store.Migrate()));
  EXPECT_EQ(Must(store.SchemaVersion()), store.LatestSchemaVersion());
  EXPECT_TRUE(IsOk(store.Check()));

  auto ti = [](const std::string& run, const std::string& task, TaskState state, int tries) {
    return TaskInstanceRecord{.dag_id = "etl",
                              .run_id = run,
                              .task_id = task,
                              .state = state,
                              .try_number = tries,
                              .start = Jan2(86'400'000'000 + 10)};
  };
  TaskInstanceRecord zeta = ti("new", "zeta", TaskState::kQueued, 1);
  TaskInstanceRecord load = ti("new", "load", TaskState::kRunning, 2);
  TaskInstanceRecord alpha = ti("new", "alpha", TaskState::kQueued, 1);
  EXPECT_THAT(Must(store.ListTaskInstances("etl", "new")),
              ElementsAre(zeta, load, alpha, ti("new", "gone", TaskState::kRemoved, 1),
                          ti("new", "extract", TaskState::kSuccess, 1),
                          ti("new", "later", TaskState::kUpForRetry, 1)));
  EXPECT_THAT(Must(store.ListTaskInstances("etl", "old")),
              ElementsAre(ti("old", "extract", TaskState::kSuccess, 1)));
  auto attempt = [](const std::string& run, const std::string& task, int try_number,
                    AttemptState state, int64_t start_us, std::optional<int64_t> end_us,
                    std::optional<int> exit_code, int64_t pid) {
    AttemptRecord a{.dag_id = "etl",
                    .run_id = run,
                    .task_id = task,
                    .try_number = try_number,
                    .state = state,
                    .start = TimePoint(Duration(start_us)),
                    .exit_code = exit_code,
                    .host = "h",
                    .pid = pid,
                    .log_path = "/l/" + task + "." + std::to_string(try_number) + ".log"};
    if (end_us) a.end = TimePoint(Duration(*end_us));
    return a;
  };
  AttemptRecord load1 =
      attempt("new", "load", 1, AttemptState::kFailed, 1735862400000020, 1735862400000025, 1, 11);
  AttemptRecord load2 =
      attempt("new", "load", 2, AttemptState::kRunning, 1735862400000030, std::nullopt, {}, 12);
  AttemptRecord extract_new = attempt("new", "extract", 1, AttemptState::kSuccess, 1735862400000015,
                                      1735862400000016, 0, 13);
  EXPECT_THAT(Must(store.ListAttempts("etl", "new", "load")), ElementsAre(load1, load2));
  EXPECT_THAT(Must(store.ListAttempts("etl", "new", "load", std::nullopt)),
              ElementsAre(load1, load2));
  EXPECT_THAT(Must(store.ListAttempts("etl", "new", "")), ElementsAre(extract_new, load1, load2));
  EXPECT_THAT(Must(store.ListAttempts("etl", "old", "")),
              ElementsAre(attempt("old", "extract", 1, AttemptState::kSuccess, 1735776000000020,
                                  1735776000000025, 0, 10)));
  EXPECT_THAT(Must(store.ListRunningAttempts()), ElementsAre(load2));
  std::vector<EventRecord> events = Must(store.ListEvents(0, 10));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, 3);
  EXPECT_EQ(events[0].map_index, std::nullopt);
  EXPECT_EQ(events[0].detail, "try 1");
  EXPECT_EQ(events[1].id, 9);
  EXPECT_EQ(events[1].kind, "run_state");

  // The queue is the queued rows in the order they were written; the store takes new writes.
  auto claimed = Must(store.ClaimQueued("worker", 5, Jan2(kHourUs), Jan2()));
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].task_id, "zeta");
  EXPECT_EQ(claimed[1].task_id, "alpha");
  WriteBatch b;
  load2.state = AttemptState::kSuccess;
  load2.end = load2.start;
  AttemptRecord load3 = load2;
  load3.try_number = 3;
  b.attempts = {load2, load3};
  ASSERT_TRUE(IsOk(store.Apply(b)));
  EXPECT_THAT(Must(store.ListAttempts("etl", "new", "load")), ElementsAre(load1, load2, load3));
  EXPECT_EQ(Must(store.ListEvents(9, 10)).size(), 2u);  // the two claims
  EXPECT_THAT(RawQuery(path,
                       "SELECT name FROM sqlite_schema WHERE tbl_name = 'task_instances' "
                       "ORDER BY name"),
              ElementsAre("task_instances", "task_instances_by_key", "task_instances_queued"));
}

}  // namespace
}  // namespace sluice
