#pragma once
// A thin RAII layer over the SQLite C API: a connection that owns its prepared statements and
// turns every SQLite error into a Status naming the operation and sqlite3_errmsg. Not
// thread-safe: one thread at a time, like the Store above it.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sluice/clock.h"
#include "sluice/status.h"

namespace sluice::sqlite {

// A prepared statement borrowed from its Db's cache. Bind by 1-based index; Step() runs it.
// Reset() (also done by the Query guard below) ends the statement so that a read does not keep
// its snapshot open, which in WAL mode would pin old pages and hide newer commits.
//
// Text is bound by reference, not copied: it must stay alive and unchanged until Reset(), which
// unbinds it. Binding a temporary std::string does not compile.
class Statement {
 public:
  // `path` names the database in errors; it is its Db's and outlives the statement.
  Statement(sqlite3* db, sqlite3_stmt* stmt, const std::string& path)
      : db_(db), stmt_(stmt), path_(&path) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void Bind(int index, int64_t value);
  void Bind(int index, int value) { Bind(index, static_cast<int64_t>(value)); }
  void Bind(int index, bool value) { Bind(index, static_cast<int64_t>(value ? 1 : 0)); }
  void Bind(int index, std::string_view value);
  void Bind(int index, const char* value) { Bind(index, std::string_view(value)); }
  void Bind(int index, const std::string& value) { Bind(index, std::string_view(value)); }
  void Bind(int index, std::string&& value) = delete;  // would dangle before Step()
  void Bind(int index, TimePoint value) { Bind(index, value.time_since_epoch().count()); }
  void Bind(int index, std::optional<TimePoint> value);
  void Bind(int index, std::optional<int> value);
  void BindNull(int index);

  // True when a row is ready to read, false when the statement is done. A failed bind is
  // reported here. `op` names the operation in the error: "insert run r1: UNIQUE ..."; an
  // empty `op` leaves the bare SQLite message for the caller to add context only on failure.
  Result<bool> Step(std::string_view op);
  // Step() that expects no row (an INSERT, UPDATE, DDL).
  Status Run(std::string_view op);
  void Reset();

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool Bool(int column) const { return Int(column) != 0; }
  std::string Text(int column) const;
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  TimePoint Time(int column) const { return TimePoint(Duration(Int(column))); }
  std::optional<TimePoint> OptionalTime(int column) const;
  std::optional<int> OptionalInt(int column) const;

 private:
  void NoteBind(int rc, int index);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  const std::string* path_;
  int bind_error_ = SQLITE_OK;  // the first failed bind since Reset()
  int bind_error_index_ = 0;
};

// Resets its statement when it goes out of scope, whatever path the caller takes.
class Query {
 public:
  explicit Query(Statement& stmt) : stmt_(&stmt) {}
  ~Query() { stmt_->Reset(); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Statement* operator->() const { return stmt_; }
  Statement& operator*() const { return *stmt_; }

 private:
  Statement* stmt_;
};

class Db {
 public:
  // Opens or creates the database file at `path` on the VFS named `vfs` (nullptr: SQLite's
  // default, the only one the store uses; tests pass another). Errors: `open database "PATH": MSG`.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, const char* vfs = nullptr);
  // Takes ownership of an open connection; Open() is the way to get one.
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements that return no rows we need (DDL, PRAGMA, BEGIN).
  Status Exec(const std::string& sql, std::string_view op);
  // The statement for `sql`, prepared on first use and cached for the life of the Db, reset
  // and ready to bind. Wrap it in a Query to reset it again when done.
  Result<Statement*> Prepare(const std::string& sql);
  // A one-row, one-column text answer, e.g. "PRAGMA journal_mode".
  Result<std::string> QueryText(const std::string& sql);

  // Whether the last failed call failed because another connection held a lock.
  bool LastErrorWasBusy() const {
    const int code = sqlite3_errcode(db_) & 0xff;
    return code == SQLITE_BUSY || code == SQLITE_LOCKED;
  }
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  // True between BEGIN and COMMIT/ROLLBACK (SQLite may end a transaction itself on an error).
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  std::string ErrorMessage() const { return sqlite3_errmsg(db_); }
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_;
  std::string path_;
  // Keyed by SQL text; statements die before the connection (see ~Db).
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// Status for a failed SQLite call on `db`, whose file is `path`: "OP: sqlite3_errmsg" (just the
// message if no OP), a kIoError; except a full disk (SQLITE_FULL, or ENOSPC under another I/O
// error), which is DatabaseFull, and a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB), which is
// DatabaseCorrupt: those name the database and the fix, without OP.
Status SqliteError(sqlite3* db, const std::string& path, std::string_view op);

// kNoSpace: "the database PATH is full (no space left on device): free space ...".
Status DatabaseFull(const std::string& path);
// kCorrupt: "the database PATH is corrupt (WHAT): ..." and the commands that repair it.
Status DatabaseCorrupt(const std::string& path, const std::string& what, bool not_a_database);
// The shell commands that salvage a damaged database into a new file and put it in its place.
std::string RecoverCommand(const std::string& path);

}  // namespace sluice::sqlite
