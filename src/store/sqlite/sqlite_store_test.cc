// The conformance suite on SQLite, plus what only SQLite has: the file, WAL, its error texts,
// and the columns the benchmark scripts read directly.
#include <gmock/gmock.h>
#include <sqlite3.h>

#include <thread>

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
  RawQuery(DbPath(dir_.path()),
           "INSERT INTO schema_version (version, name, applied_us) VALUES (2, 'future', 0)");
  EXPECT_EQ(Must(store->SchemaVersion()), 2);
  const std::string expected = "database schema version 2 is newer than this build (1): upgrade sluice";
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
  EXPECT_THAT(st.message(), StartsWith("database \"" + DbPath(dir_.path()) +
                                       "\" fails its integrity check ("));
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
              ElementsAre("1 0001_initial.sql"));
}

}  // namespace
}  // namespace sluice
