#pragma once
// What the SQLite store's own tests share: the database's path in a test folder, SQL run on the
// file behind the store's back, and a fixture that opens a migrated store.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "sluice/store.h"
#include "store/store_suite.h"
#include "tests/testing/temp_dir.h"

namespace sluice {

inline std::string DbPath(const std::string& dir) { return dir + "/sluice.db"; }

// Runs SQL on the database file behind the store's back, as the sqlite3 shell or a script
// would, and returns the first column of every row as text.
inline std::vector<std::string> RawQuery(const std::string& path, const std::string& sql) {
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

}  // namespace sluice
