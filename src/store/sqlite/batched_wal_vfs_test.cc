// The batched-WAL VFS shim: one write per commit, and nothing a reader, a rollback, a failed
// write or a kill -9 could tell apart from SQLite's own VFS.
#include "store/sqlite/batched_wal_vfs.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"

namespace sluice::sqlite {
namespace {

// A VFS over the default one that records every write to a WAL file and can fail them. Each
// file keeps the default VFS's state and methods, except xWrite, which goes through Watch.
struct WalWrites {
  std::vector<int> sizes;
  sqlite3_int64 end = 0;  // the furthest byte of the log written
  bool fail = false;
  int fail_in = -1;  // fail the write this many writes from now (0: the next), then all
};
WalWrites watched;
std::set<sqlite3_file*> wal_files;
std::map<const sqlite3_io_methods*, const sqlite3_io_methods*> original_of;
std::vector<std::unique_ptr<sqlite3_io_methods>> watching_methods;
sqlite3_vfs watch_vfs;

int WatchWrite(sqlite3_file* file, const void* data, int size, sqlite3_int64 offset) {
  const sqlite3_io_methods* original = original_of.at(file->pMethods);
  if (wal_files.count(file) != 0) {
    if (watched.fail_in == 0) watched.fail = true;
    if (watched.fail_in > 0) --watched.fail_in;
    if (watched.fail) return SQLITE_IOERR_WRITE;
    watched.sizes.push_back(size);
    if (offset == 0) watched.end = 0;
    watched.end = std::max(watched.end, offset + size);
  }
  return original->xWrite(file, data, size, offset);
}

int WatchClose(sqlite3_file* file) {
  wal_files.erase(file);
  return original_of.at(file->pMethods)->xClose(file);
}

int WatchOpen(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
              int* out_flags) {
  auto* under = static_cast<sqlite3_vfs*>(vfs->pAppData);
  const int rc = under->xOpen(under, name, file, flags, out_flags);
  if (file->pMethods == nullptr) return rc;
  const sqlite3_io_methods* original = file->pMethods;
  const sqlite3_io_methods* watching = nullptr;
  for (const auto& [w, o] : original_of) {
    if (o == original) watching = w;
  }
  if (watching == nullptr) {
    auto copy = std::make_unique<sqlite3_io_methods>(*original);
    copy->xWrite = WatchWrite;
    copy->xClose = WatchClose;
    watching = copy.get();
    original_of[watching] = original;
    watching_methods.push_back(std::move(copy));
  }
  file->pMethods = watching;
  if ((flags & SQLITE_OPEN_WAL) != 0) wal_files.insert(file);
  return rc;
}

// "watch": the default VFS with writes recorded; "batched-over-watch": the shim over it.
void RegisterOnce() {
  static const bool done = [] {
    sqlite3_vfs* under = sqlite3_vfs_find(nullptr);
    watch_vfs = *under;
    watch_vfs.zName = "watch";
    watch_vfs.pAppData = under;
    watch_vfs.xOpen = WatchOpen;
    watch_vfs.pNext = nullptr;
    return sqlite3_vfs_register(&watch_vfs, 0) == SQLITE_OK &&
           RegisterBatchedWalVfs("batched-over-watch", &watch_vfs);
  }();
  ASSERT_TRUE(done);
}

sqlite3* Open(const std::string& path, const char* vfs) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
            SQLITE_OK);
  sqlite3_busy_timeout(db, 10'000);
  return db;
}

int Exec(sqlite3* db, const std::string& sql) {
  return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
}

std::string Text(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    return std::string("prepare: ") + sqlite3_errmsg(db);
  }
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  } else {
    out = std::string("step: ") + sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  return out;
}

// A transaction that changes several pages: rows of 1500 bytes, so about two per page.
std::string InsertRows(int first, int count) {
  std::string sql = "BEGIN;";
  for (int i = first; i < first + count; ++i) {
    sql += "INSERT INTO t VALUES (" + std::to_string(i) + ", zeroblob(1500));";
  }
  return sql + "COMMIT;";
}

// About 3 MB: many times what the shim holds at once.
const std::string kTwoThousandRows =
    "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 2000) "
    "SELECT v, zeroblob(1500) FROM n";

class BatchedWalVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterOnce();
    watched = WalWrites{};
  }
  sqlite3* OpenWriter(const char* vfs) {
    sqlite3* db = Open(path_, vfs);
    EXPECT_EQ(Exec(db,
                   "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                   "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, pad BLOB)"),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    return db;
  }
  TempDir dir_;
  std::string path_ = dir_.path() + "/test.db";
};

TEST_F(BatchedWalVfsTest, EachCommitIsOneWriteWhereSqliteMakesTwoPerPage) {
  sqlite3* plain = OpenWriter("watch");
  watched.sizes.clear();
  ASSERT_EQ(Exec(plain, InsertRows(0, 6)), SQLITE_OK);
  // Without the shim: a 24-byte frame header and a 4096-byte page, per page changed.
  ASSERT_GE(watched.sizes.size(), 6u);
  EXPECT_EQ(watched.sizes[0], 24);
  EXPECT_EQ(watched.sizes[1], 4096);
  sqlite3_close(plain);

  sqlite3* db = OpenWriter("batched-over-watch");
  for (int commit = 0; commit < 50; ++commit) {
    watched.sizes.clear();
    ASSERT_EQ(Exec(db, InsertRows(100 + 6 * commit, 6)), SQLITE_OK) << sqlite3_errmsg(db);
    // The first commit into a new log also starts it: SQLite finishes the log's 32-byte
    // header on its own (it may sync it) before it writes frames.
    if (commit == 0) {
      ASSERT_EQ(watched.sizes.size(), 2u);
      EXPECT_EQ(watched.sizes[0], 32);
      watched.sizes.erase(watched.sizes.begin());
    }
    ASSERT_EQ(watched.sizes.size(), 1u) << "commit " << commit;
    EXPECT_EQ(watched.sizes[0] % (24 + 4096), 0) << "whole frames, commit " << commit;
    EXPECT_GE(watched.sizes[0], 3 * (24 + 4096)) << "commit " << commit;
  }
  sqlite3_close(db);
}

TEST_F(BatchedWalVfsTest, AReaderOnTheDefaultVfsSeesEveryCommitWhenItReturns) {
  sqlite3* db = OpenWriter("batched-over-watch");
  sqlite3* reader = Open(path_, nullptr);
  for (int commit = 1; commit <= 120; ++commit) {
    ASSERT_EQ(Exec(db, InsertRows(commit * 10, 3)), SQLITE_OK) << sqlite3_errmsg(db);
    ASSERT_EQ(Text(reader, "SELECT count(*) FROM t"), std::to_string(3 * commit));
    // Checkpoints restart the log from its start: the held bytes then begin at the header.
    if (commit % 25 == 0) {
      ASSERT_EQ(sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr),
                SQLITE_OK);
    }
  }
  EXPECT_EQ(Text(reader, "PRAGMA integrity_check"), "ok");
  sqlite3_close(reader);
  sqlite3_close(db);
}

TEST_F(BatchedWalVfsTest, LargeAndRolledBackTransactionsLeaveTheSameDatabase) {
  sqlite3* db = OpenWriter("batched-over-watch");
  // A small page cache makes SQLite spill frames to the log in the middle of the transaction.
  ASSERT_EQ(Exec(db, "PRAGMA cache_size = 10"), SQLITE_OK);
  sqlite3* reader = Open(path_, nullptr);

  ASSERT_EQ(Exec(db, "BEGIN; INSERT INTO t " + kTwoThousandRows), SQLITE_OK) << sqlite3_errmsg(db);
  EXPECT_EQ(Text(reader, "SELECT count(*) FROM t"), "0");
  ASSERT_EQ(Exec(db, "ROLLBACK"), SQLITE_OK);
  ASSERT_EQ(Exec(db, InsertRows(5000, 3)), SQLITE_OK);
  EXPECT_EQ(Text(reader, "SELECT count(*) FROM t"), "3");

  ASSERT_EQ(Exec(db, "INSERT INTO t " + kTwoThousandRows), SQLITE_OK) << sqlite3_errmsg(db);
  EXPECT_EQ(Text(reader, "SELECT count(*) FROM t"), "2003");
  EXPECT_EQ(Text(reader, "PRAGMA integrity_check"), "ok");
  sqlite3_close(reader);
  sqlite3_close(db);
}

TEST_F(BatchedWalVfsTest, AFailedWriteFailsTheCommitAndPublishesNothing) {
  sqlite3* db = OpenWriter("batched-over-watch");
  sqlite3* reader = Open(path_, nullptr);
  ASSERT_EQ(Exec(db, InsertRows(0, 3)), SQLITE_OK);

  watched.fail = true;
  EXPECT_NE(Exec(db, InsertRows(10, 3)), SQLITE_OK);
  watched.fail = false;
  Exec(db, "ROLLBACK");  // if SQLite left the transaction open
  EXPECT_EQ(Text(reader, "SELECT count(*) FROM t"), "3");

  ASSERT_EQ(Exec(db, InsertRows(20, 3)), SQLITE_OK) << sqlite3_errmsg(db);
  EXPECT_EQ(Text(reader, "SELECT count(*) FROM t"), "6");
  EXPECT_EQ(Text(reader, "SELECT group_concat(id) FROM t"), "0,1,2,20,21,22");
  EXPECT_EQ(Text(reader, "PRAGMA integrity_check"), "ok");
  sqlite3_close(reader);
  sqlite3_close(db);
}

// SQLite publishes a commit (and then calls the wal hook) only after its frames are written:
// for every size of transaction, including those whose frames fill the shim's buffer exactly
// where the commit frame's header and page would be split.
int CheckFramesWritten(void* frames_ok, sqlite3*, const char*, int frames) {
  const sqlite3_int64 expected = 32 + static_cast<sqlite3_int64>(frames) * (24 + 4096);
  if (watched.end != expected) *static_cast<bool*>(frames_ok) = false;
  return SQLITE_OK;
}

TEST_F(BatchedWalVfsTest, EveryCommitIsInTheFileBeforeReadersCanSeeIt) {
  sqlite3* db = OpenWriter("batched-over-watch");
  bool frames_ok = true;
  sqlite3_wal_hook(db, CheckFramesWritten, &frames_ok);
  int id = 0;
  for (int rows = 1; rows <= 70; ++rows) {
    ASSERT_EQ(Exec(db, InsertRows(id, rows)), SQLITE_OK) << sqlite3_errmsg(db);
    id += rows;
    ASSERT_TRUE(frames_ok) << "a commit of " << rows << " rows was published unwritten";
  }
  sqlite3_close(db);
}

// A write that fails anywhere in a commit fails the commit, whatever its size: none is
// published, the process goes on, and the next commit works.
TEST_F(BatchedWalVfsTest, AWriteFailingInAnyPartOfACommitFailsThatCommit) {
  sqlite3* db = OpenWriter("batched-over-watch");
  sqlite3* reader = Open(path_, nullptr);
  int committed = 0;
  for (int rows = 1; rows <= 40; ++rows) {
    for (int fail_in : {0, 1}) {
      watched.fail = false;
      watched.fail_in = fail_in;
      const int rc = Exec(db, InsertRows(1000 * rows + 100 * fail_in, rows));
      watched.fail = false;
      watched.fail_in = -1;
      if (rc != SQLITE_OK) {
        Exec(db, "ROLLBACK");  // if SQLite left the transaction open
      } else {
        committed += rows;  // one write was all the commit needed
      }
      ASSERT_EQ(Text(reader, "SELECT count(*) FROM t"), std::to_string(committed))
          << rows << " rows, failing write " << fail_in;
    }
  }
  ASSERT_EQ(Exec(db, InsertRows(1, 3)), SQLITE_OK) << sqlite3_errmsg(db);
  EXPECT_EQ(Text(reader, "SELECT count(*) FROM t"), std::to_string(committed + 3));
  EXPECT_EQ(Text(reader, "PRAGMA integrity_check"), "ok");
  sqlite3_close(reader);
  sqlite3_close(db);
}

// Durable against kill -9 as SQLite's VFS is: a commit that returned is in the file.
TEST_F(BatchedWalVfsTest, EveryCommitThatReturnedSurvivesKill9) {
  {
    sqlite3* db = OpenWriter("batched-over-watch");
    sqlite3_close(db);
  }
  int acks[2];
  ASSERT_EQ(pipe(acks), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(acks[0]);
    sqlite3* db = Open(path_, BatchedWalVfsName());
    Exec(db, "PRAGMA synchronous = NORMAL");
    for (int i = 0;; ++i) {
      if (Exec(db, "INSERT INTO t VALUES (" + std::to_string(i) + ", zeroblob(1500))") !=
          SQLITE_OK) {
        _exit(1);
      }
      if (write(acks[1], "c", 1) != 1) _exit(1);
    }
  }
  close(acks[1]);
  int acked = 0;
  char c;
  while (acked < 300 && read(acks[0], &c, 1) == 1) ++acked;
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(acks[0]);
  ASSERT_EQ(acked, 300);

  sqlite3* reader = Open(path_, nullptr);
  const int rows = std::stoi(Text(reader, "SELECT count(*) FROM t"));
  EXPECT_GE(rows, 300);
  EXPECT_EQ(Text(reader, "SELECT max(id) + 1 = count(*) FROM t"), "1");
  EXPECT_EQ(Text(reader, "PRAGMA integrity_check"), "ok");
  sqlite3_close(reader);
}

}  // namespace
}  // namespace sluice::sqlite
