// The conformance suite on SQLite, plus what only SQLite has: the file, WAL, its error texts,
// and the columns the benchmark scripts read directly.
#include "store/sqlite/sqlite_store.h"

#include <gmock/gmock.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <set>
#include <thread>

#include "store/sqlite/fault_injection_vfs.h"
#include "store/sqlite/sqlite_test_helpers.h"
#include "store/store_suite.h"
#include "util/file.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, StoreSuite,
    ::testing::Values(StoreBackend{
        "sqlite", [](const std::string& dir) { return OpenSqliteStore(DbPath(dir)); }}),
    [](const ::testing::TestParamInfo<StoreBackend>& param) { return param.param.name; });

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
  EXPECT_GE(FileSize(db), before + int64_t{4200} * 3500);
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
  EXPECT_GE(FileSize(db), before + int64_t{8000} * 3500);
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
  EXPECT_EQ(store.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(store.status().message(),
            "the database " + path +
                " is corrupt (file is not a database): if SLUICE_DB or --home names the wrong "
                "file, fix that; otherwise stop the scheduler, restore the file from a backup or "
                "move it away (mv " +
                path + " " + path + ".corrupt) to start with an empty database");
}

// A full disk is its own error, with the fix, and costs nothing: once there is room the same
// store writes again.
TEST_F(SqliteStoreTest, AFullDiskIsNoSpaceNamingTheDatabaseAndTheStoreWritesOnceThereIsRoom) {
  namespace fault = sqlite::testing;
  const std::string path = DbPath(dir_.path());
  auto store = OpenSqliteStoreWithOptions(path, {.vfs = fault::FaultInjectionVfsName()});
  ASSERT_TRUE(IsOk(store));
  ASSERT_TRUE(IsOk((*store)->Migrate()));
  fault::ArmFault({.fail_at = 1, .sticky = true, .disk_full = true});
  WriteBatch b;
  b.runs = {FullRun("d", "r", Jan2())};
  Status st = (*store)->Apply(b);
  fault::ClearFault();
  EXPECT_EQ(st.code(), StatusCode::kNoSpace);
  EXPECT_EQ(st.message(), "the database " + path +
                              " is full (no space left on device): free space, then start the "
                              "scheduler or run the command again; nothing was lost");
  EXPECT_EQ(Must((*store)->GetRun("d", "r")), std::nullopt);
  EXPECT_TRUE(IsOk((*store)->Apply(b)));
  EXPECT_NE(Must((*store)->GetRun("d", "r")), std::nullopt);
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
  const std::string path = DbPath(dir_.path());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_THAT(st.message(), StartsWith("the database " + path + " is corrupt (1 problems: "));
  EXPECT_THAT(st.message(), HasSubstr("runs_by_state"));
  const std::string repair = "stop the scheduler, then run: sqlite3 " + path +
                             " .dump | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/' | sqlite3 " +
                             path + ".recovered && mv " + path + " " + path + ".corrupt && rm -f " +
                             path + "-wal " + path + "-shm && mv " + path + ".recovered " + path;
  EXPECT_THAT(st.message(), EndsWith("): " + repair));
  auto report = (*store)->Inspect();
  ASSERT_TRUE(IsOk(report));
  EXPECT_FALSE(report->intact);
  ASSERT_EQ(report->findings.size(), 1u);
  EXPECT_EQ(report->findings[0].fix, repair);
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

}  // namespace
}  // namespace sluice
