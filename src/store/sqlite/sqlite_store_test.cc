// The conformance suite on SQLite, plus what only SQLite has: the file, WAL, its error texts,
// and the columns the benchmark scripts read directly.
#include <gmock/gmock.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <set>
#include <thread>

#include "store/migrations.h"
#include "store/store_suite.h"
#include "util/file.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string DbPath(const std::string& dir) { return dir + "/sluice.db"; }

INSTANTIATE_TEST_SUITE_P(
    Sqlite, StoreSuite,
    ::testing::Values(StoreBackend{
        "sqlite", [](const std::string& dir) { return OpenSqliteStore(DbPath(dir)); }}),
    [](const ::testing::TestParamInfo<StoreBackend>& param) { return param.param.name; });

// Runs SQL on the database file behind the store's back, as the sqlite3 shell or a script
// would, and returns the first column of every row as text.
std::vector<std::string> RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> rows;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 10'000);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    rows.emplace_back(text ? reinterpret_cast<const char*>(text) : "NULL");
  }
  EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> OpenMigrated() {
    auto store = OpenSqliteStore(DbPath(dir_.path()));
    EXPECT_TRUE(IsOk(store));
    if (!store.ok()) return nullptr;
    EXPECT_TRUE(IsOk((*store)->Migrate()));
    return std::move(store).value();
  }
  TempDir dir_;
};

// A CLI command and a starting scheduler often create the same new database at the same
// instant; switching it to WAL used to fail one of them with "database is locked".
TEST_F(SqliteStoreTest, ManyConnectionsCreatingANewDatabaseAtOnceAllSucceed) {
  for (int round = 0; round < 20; ++round) {
    const std::string path = dir_.path() + "/race" + std::to_string(round) + ".db";
    std::vector<std::string> errors(6);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < errors.size(); ++i) {
      threads.emplace_back([&, i] {
        auto store = OpenSqliteStore(path);
        if (!store.ok()) {
          errors[i] = store.status().message();
          return;
        }
        Status st = (*store)->Migrate();
        if (!st.ok()) errors[i] = st.message();
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& e : errors) EXPECT_EQ(e, "") << "round " << round;
    EXPECT_THAT(RawQuery(path, "PRAGMA journal_mode"), ElementsAre("wal"));
  }
}

// The CLI migrates a new database (version 0) itself, and tells the user to run `sluice db
// migrate` for any older version. So while a starting scheduler creates the database, a
// command opening it at the same time must see version 0 or the latest, never one between.
TEST_F(SqliteStoreTest, AReaderSeesANewDatabaseAtVersionZeroOrTheLatestNeverBetween) {
  for (int round = 0; round < 20; ++round) {
    const std::string path = dir_.path() + "/new" + std::to_string(round) + ".db";
    auto writer = OpenSqliteStore(path);
    auto reader = OpenSqliteStore(path);
    ASSERT_TRUE(IsOk(writer));
    ASSERT_TRUE(IsOk(reader));
    const int latest = (*writer)->LatestSchemaVersion();
    std::atomic<bool> migrated{false};
    std::set<int> seen;
    std::string error;
    std::thread poll([&] {
      // One more read after the migration, so the latest version is seen too.
      for (bool last = false; !last;) {
        last = migrated.load();
        auto version = (*reader)->SchemaVersion();
        if (!version.ok()) {
          error = version.status().message();
          return;
        }
        seen.insert(*version);
      }
    });
    Status st = (*writer)->Migrate();
    migrated = true;
    poll.join();
    ASSERT_TRUE(IsOk(st));
    EXPECT_EQ(error, "");
    seen.erase(0);
    EXPECT_THAT(seen, ElementsAre(latest)) << "round " << round;
  }
}

// A batch of `pages` events of about one page each, so that its commit adds that many pages
// to the write-ahead log.
WriteBatch PagesOfEvents(int pages, int from) {
  WriteBatch batch;
  for (int i = 0; i < pages; ++i) {
    EventRecord e;
    e.time = TimePoint(Duration(i));
    e.dag_id = "d";
    e.kind = "note";
    e.detail = std::string(3500, static_cast<char>('a' + (from + i) % 26));
    batch.events.push_back(e);
  }
  return batch;
}

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

// Commits go to the write-ahead log; copying it into the database (a checkpoint, with its
// fsyncs) waits for Housekeep, which the scheduler calls when it has nothing else to do.
TEST_F(SqliteStoreTest, TheLogIsCopiedIntoTheDatabaseWhenIdleNotInABusyCommit) {
  auto store = OpenMigrated();
  ASSERT_TRUE(store);
  const std::string db = DbPath(dir_.path());
  ASSERT_TRUE(IsOk(store->Housekeep()));
  const int64_t before = FileSize(db);
  ASSERT_TRUE(IsOk(store->Apply(PagesOfEvents(4200, 0))));
  EXPECT_EQ(FileSize(db), before) << "a commit checkpointed";
  ASSERT_TRUE(IsOk(store->Housekeep()));
  EXPECT_GE(FileSize(db), before + 4200 * 3500);
  // A log under 16 MiB is left for later.
  const int64_t after = FileSize(db);
  ASSERT_TRUE(IsOk(store->Apply(PagesOfEvents(3000, 4200))));
  ASSERT_TRUE(IsOk(store->Housekeep()));
  EXPECT_EQ(FileSize(db), after);
}

// Without an idle moment, the log is still copied once it reaches 8192 pages, so it stays
// bounded.
TEST_F(SqliteStoreTest, ALongBusyStretchStillCheckpoints) {
  auto store = OpenMigrated();
  ASSERT_TRUE(store);
  const std::string db = DbPath(dir_.path());
  ASSERT_TRUE(IsOk(store->Housekeep()));
  const int64_t before = FileSize(db);
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(IsOk(store->Apply(PagesOfEvents(1000, i * 1000))));
  EXPECT_EQ(FileSize(db), before) << "checkpointed before 8192 pages";
  for (int i = 7; i < 9; ++i) ASSERT_TRUE(IsOk(store->Apply(PagesOfEvents(1000, i * 1000))));
  EXPECT_GE(FileSize(db), before + 8000 * 3500);
}

TEST_F(SqliteStoreTest, DatabaseIsInWalMode) {
  auto store = OpenSqliteStore(DbPath(dir_.path()));
  ASSERT_TRUE(IsOk(store));
  // journal_mode=WAL is persistent in the file: another connection sees it.
  EXPECT_THAT(RawQuery(DbPath(dir_.path()), "PRAGMA journal_mode"), ElementsAre("wal"));
}

TEST_F(SqliteStoreTest, DurableFullOpensToo) {
  auto store = OpenSqliteStore(DbPath(dir_.path()), /*durable_full=*/true);
  ASSERT_TRUE(IsOk(store));
  EXPECT_TRUE(IsOk((*store)->Migrate()));
  EXPECT_TRUE(IsOk((*store)->Check()));
}

TEST_F(SqliteStoreTest, OpeningInAMissingFolderNamesThePath) {
  std::string path = dir_.path() + "/missing/sluice.db";
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kIoError);
  EXPECT_EQ(store.status().message(),
            "open database \"" + path + "\": unable to open database file");
}

TEST_F(SqliteStoreTest, OpeningAFileThatIsNotADatabaseNamesThePath) {
  std::string path = dir_.Write("notes.txt", std::string(4096, 'x'));
  auto store = OpenSqliteStore(path);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), StartsWith("open database \"" + path + "\": "));
  EXPECT_THAT(store.status().message(), HasSubstr("file is not a database"));
}

TEST_F(SqliteStoreTest, ANewerSchemaIsRefusedByCheckAndMigrate) {
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  const int latest = store->LatestSchemaVersion();
  const std::string future = std::to_string(latest + 1);
  RawQuery(DbPath(dir_.path()), "INSERT INTO schema_version (version, name, applied_us) VALUES (" +
                                    future + ", 'future', 0)");
  EXPECT_EQ(Must(store->SchemaVersion()), latest + 1);
  const std::string expected = "database schema version " + future + " is newer than this build (" +
                               std::to_string(latest) + "): upgrade sluice";
  Status check = store->Check();
  EXPECT_EQ(check.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(check.message(), expected);
  EXPECT_EQ(store->Migrate().message(), expected);
}

TEST_F(SqliteStoreTest, CheckReportsAFailedIntegrityCheckAndTheFix) {
  {
    auto store = OpenMigrated();
    ASSERT_NE(store, nullptr);
    WriteBatch b;
    b.runs = {FullRun("d", "r", Jan2())};
    ASSERT_TRUE(IsOk(store->Apply(b)));
  }
  // Make an index disagree with its table, as a torn write to a lying disk could.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(DbPath(dir_.path()).c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA writable_schema = ON;"
                         "UPDATE sqlite_schema SET sql = 'CREATE INDEX runs_by_state ON runs "
                         "(dag_hash)' WHERE name = 'runs_by_state';",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);

  auto store = OpenSqliteStore(DbPath(dir_.path()));
  ASSERT_TRUE(IsOk(store));
  Status st = (*store)->Check();
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_THAT(st.message(),
              StartsWith("database \"" + DbPath(dir_.path()) + "\" fails its integrity check ("));
  EXPECT_THAT(st.message(), HasSubstr("runs_by_state"));
  EXPECT_THAT(st.message(), HasSubstr("): restore it from a backup or salvage it with `sqlite3 " +
                                      DbPath(dir_.path()) + " .recover`"));
}

TEST_F(SqliteStoreTest, AttemptTimesAreMicrosecondColumnsForScripts) {
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  WriteBatch b;
  b.attempts = {FullAttempt("d", "r", "t", 1)};
  b.attempts[0].end.reset();
  b.task_instances = TaskInstancesOf(b.attempts);
  ASSERT_TRUE(IsOk(store->Apply(b)));
  // bench/ reads these columns with plain SQL.
  EXPECT_THAT(RawQuery(DbPath(dir_.path()),
                       "SELECT start_us || ' ' || coalesce(end_us, 'NULL') || ' ' || state "
                       "FROM attempts"),
              ElementsAre("1735776000000010 NULL failed"));
}

TEST_F(SqliteStoreTest, StatesAreStoredByName) {
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  WriteBatch b;
  b.runs = {FullRun("d", "r", Jan2())};
  b.task_instances = {FullTaskInstance("d", "r", "t")};
  ASSERT_TRUE(IsOk(store->Apply(b)));
  EXPECT_THAT(RawQuery(DbPath(dir_.path()), "SELECT type || ' ' || state FROM runs"),
              ElementsAre("backfill running"));
  EXPECT_THAT(RawQuery(DbPath(dir_.path()), "SELECT state FROM task_instances"),
              ElementsAre("up_for_retry"));
}

TEST_F(SqliteStoreTest, AStateThisBuildDoesNotKnowIsAnError) {
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  WriteBatch b;
  b.task_instances = {FullTaskInstance("d", "r", "t")};
  ASSERT_TRUE(IsOk(store->Apply(b)));
  RawQuery(DbPath(dir_.path()), "UPDATE task_instances SET state = 'levitating'");
  auto got = store->ListTaskInstances("d", "r");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(),
            "task instance d/r/t state: unknown value 'levitating' in the database "
            "(written by a newer sluice?)");
}

TEST_F(SqliteStoreTest, ReadsBeforeMigrateFailWithSqliteMessage) {
  auto store = OpenSqliteStore(DbPath(dir_.path()));
  ASSERT_TRUE(IsOk(store));
  auto runs = (*store)->ListRuns({});
  ASSERT_FALSE(runs.ok());
  EXPECT_THAT(runs.status().message(), HasSubstr("no such table: runs"));
}

TEST_F(SqliteStoreTest, MigrationsAreRecordedInSchemaVersion) {
  auto store = OpenMigrated();
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(RawQuery(DbPath(dir_.path()), "SELECT version || ' ' || name FROM schema_version"),
              ElementsAre("1 0001_initial.sql", "2 0002_fewer_pages_per_turn.sql",
                          "3 0003_running_attempts_through_open_runs.sql",
                          "4 0004_attempts_in_task_instance_order.sql"));
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
  EXPECT_THAT(Must(store.ListRuns(dag_d)), ElementsAre(FullRun("d", "r", Jan2())));
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
  EXPECT_THAT(Must(store.ListTaskInstances("d", "r")),
              ElementsAre(FullTaskInstance("d", "r", "t"), t1));
  AttemptRecord failed = FullAttempt("d", "r", "t1", 1);
  failed.log_path = "/logs/t1/1.log";
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

}  // namespace
}  // namespace sluice
