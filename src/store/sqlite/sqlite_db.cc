#include "store/sqlite/sqlite_db.h"

#include <cerrno>
#include <string>

#include "core/shell_quote.h"

namespace sluice::sqlite {
namespace {

// `path` as a shell word, quoted only when it needs it, so the usual command reads plainly.
std::string ShellWord(const std::string& path) {
  for (char c : path) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '.' || c == '/' || c == '-' || c == '+' || c == ',';
    if (!plain) return ShellQuote(path);
  }
  return path;
}

// The Status of a failed call when it is one of the two kinds with their own exit code (a full
// disk, a damaged file), else ok. SQLite reports a write that found the disk full as SQLITE_FULL,
// but growing the WAL index (-shm) or truncating can fail as an SQLITE_IOERR_* whose errno is
// ENOSPC.
Status Classify(int code, int system_errno, const std::string& path, const std::string& what) {
  const int primary = code & 0xff;
  if (primary == SQLITE_FULL || (primary == SQLITE_IOERR && system_errno == ENOSPC)) {
    return DatabaseFull(path);
  }
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    return DatabaseCorrupt(path, what, primary == SQLITE_NOTADB);
  }
  return Status::Ok();
}

}  // namespace

Status DatabaseFull(const std::string& path) {
  // SQLite rolls back the failed transaction, so nothing half-written is left to repair.
  return Status::NoSpace("the database " + path +
                         " is full (no space left on device): free space, then start the "
                         "scheduler or run the command again; nothing was lost");
}

std::string RecoverCommand(const std::string& path) {
  const std::string db = ShellWord(path);
  // .dump, not .recover: Debian 12's sqlite3 (3.40) fails every .recover ("SQL logic error").
  // .dump skips what it cannot read and then ends with a ROLLBACK that would undo the whole
  // import: sed turns it into a COMMIT. The -wal and -shm files go too: .dump read the WAL's
  // commits, and a WAL left beside the new file would be applied to it as if it were the old.
  return "sqlite3 " + db + " .dump | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/' | sqlite3 " +
         ShellWord(path + ".recovered") + " && mv " + db + " " + ShellWord(path + ".corrupt") +
         " && rm -f " + ShellWord(path + "-wal") + " " + ShellWord(path + "-shm") + " && mv " +
         ShellWord(path + ".recovered") + " " + db;
}

Status DatabaseCorrupt(const std::string& path, const std::string& what, bool not_a_database) {
  if (not_a_database) {
    // No SQLite header: nothing .recover could read. Usually SLUICE_DB names the wrong file.
    return Status::Corrupt(
        "the database " + path + " is corrupt (" + what +
        "): if SLUICE_DB or --home names the wrong file, fix that; otherwise "
        "stop the scheduler, restore the file from a backup or move it away (mv " +
        ShellWord(path) + " " + ShellWord(path + ".corrupt") + ") to start with an empty database");
  }
  return Status::Corrupt("the database " + path + " is corrupt (" + what +
                         "): stop the scheduler, then run: " + RecoverCommand(path));
}

Status SqliteError(sqlite3* db, const std::string& path, std::string_view op) {
  const std::string what = sqlite3_errmsg(db);
  Status kind = Classify(sqlite3_extended_errcode(db), sqlite3_system_errno(db), path, what);
  if (!kind.ok()) return kind;
  if (op.empty()) return Status::Io(what);
  return Status::Io(std::string(op) + ": " + what);
}

void Statement::NoteBind(int rc, int index) {
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) {
    bind_error_ = rc;
    bind_error_index_ = index;
  }
}

void Statement::Bind(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_, index, value), index);
}

void Statement::Bind(int index, std::string_view value) {
  // SQLITE_STATIC: SQLite reads the caller's text in Step() instead of copying it here; a copy
  // (a malloc, a memcpy and a free per text column) was a tenth of the scheduler's loop turn.
  // The caller keeps the text alive until Reset(), whose sqlite3_clear_bindings drops it.
  NoteBind(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8),
      index);
}

void Statement::Bind(int index, std::optional<TimePoint> value) {
  if (value) {
    Bind(index, *value);
  } else {
    BindNull(index);
  }
}

void Statement::Bind(int index, std::optional<int> value) {
  if (value) {
    Bind(index, static_cast<int64_t>(*value));
  } else {
    BindNull(index);
  }
}

void Statement::BindNull(int index) { NoteBind(sqlite3_bind_null(stmt_, index), index); }

Result<bool> Statement::Step(std::string_view op) {
  if (bind_error_ != SQLITE_OK) {
    std::string prefix = op.empty() ? "" : std::string(op) + ": ";
    return Status::Internal(prefix + "bind parameter " + std::to_string(bind_error_index_) + ": " +
                            sqlite3_errstr(bind_error_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, *path_, op);
}

Status Statement::Run(std::string_view op) {
  SLUICE_ASSIGN_OR_RETURN(bool row, Step(op));
  if (row) return Status::Internal(std::string(op) + ": the statement returned a row");
  return Status::Ok();
}

void Statement::Reset() {
  // The return value repeats the last Step() error, which was already reported.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = SQLITE_OK;
  bind_error_index_ = 0;
}

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  // Size after the text call: it may convert the value to text first.
  int size = sqlite3_column_bytes(stmt_, column);
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

std::optional<TimePoint> Statement::OptionalTime(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Time(column);
}

std::optional<int> Statement::OptionalInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return static_cast<int>(Int(column));
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, const char* vfs) {
  sqlite3* handle = nullptr;
  // NOMUTEX: a Store is used from one thread at a time, so SQLite's own locking is waste.
  int rc = sqlite3_open_v2(path.c_str(), &handle,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs);
  if (rc != SQLITE_OK) {
    std::string message = handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
    Status kind = Classify(rc, handle != nullptr ? sqlite3_system_errno(handle) : 0, path, message);
    sqlite3_close(handle);
    if (!kind.ok()) return kind;  // a handle is returned even on failure; closing null is a no-op
    return Status::Io("open database \"" + path + "\": " + message);
  }
  sqlite3_extended_result_codes(handle, 1);
  // The query planner stability guarantee: a cached statement keeps its plan whatever values
  // are bound. Without it, Debian's SQLite (built with STAT4) re-prepares a statement whenever
  // a bound value that could change its plan changes: every transition's expected state, every
  // task instance's state (the partial index of queued rows), so most statements of a turn
  // were parsed again (perf: sqlite3Parser under Statement::Step). Our plans do not depend on
  // those values.
  sqlite3_db_config(handle, SQLITE_DBCONFIG_ENABLE_QPSG, 1, nullptr);
  return std::make_unique<Db>(handle, path);
}

Db::~Db() {
  // Every statement must be finalized before sqlite3_close, or the close fails and leaks.
  cache_.clear();
  sqlite3_close(db_);
}

Status Db::Exec(const std::string& sql, std::string_view op) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string message = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  Status kind = Classify(sqlite3_extended_errcode(db_), sqlite3_system_errno(db_), path_, message);
  if (!kind.ok()) return kind;
  return Status::Io(std::string(op) + ": " + message);
}

Result<Statement*> Db::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second.get();
  sqlite3_stmt* stmt = nullptr;
  // PERSISTENT: these statements live as long as the connection.
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    // The start of the SQL is enough to tell which statement it was.
    std::string head = sql.size() > 60 ? sql.substr(0, 60) + "..." : sql;
    return SqliteError(db_, path_, "prepare \"" + head + "\"");
  }
  auto owned = std::make_unique<Statement>(db_, stmt, path_);
  Statement* raw = owned.get();
  cache_.emplace(sql, std::move(owned));
  return raw;
}

Result<std::string> Db::QueryText(const std::string& sql) {
  SLUICE_ASSIGN_OR_RETURN(Statement * stmt, Prepare(sql));
  Query q(*stmt);
  SLUICE_ASSIGN_OR_RETURN(bool row, q->Step(sql));
  if (!row) return Status::Internal(sql + ": no row");
  return q->Text(0);
}

}  // namespace sluice::sqlite
