// Opening the SQLite store, its schema version and migrations, transactions and commands.
// Apply is in sqlite_apply.cc, the reads in sqlite_reads.cc, the claims in sqlite_claims.cc.
#include "store/sqlite/sqlite_store.h"

#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "store/migrations.h"

namespace sluice {
namespace {

// Long enough for a CLI command to wait out a scheduler transaction (milliseconds) and a
// checkpoint, short enough that a stuck writer surfaces as an error, not a hang.
constexpr int kBusyTimeoutMs = 10'000;

Status ConfigureConnection(sqlite::Db& db, bool durable_full) {
  SLUICE_RETURN_IF_ERROR(
      db.Exec("PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs), "PRAGMA busy_timeout"));
  // WAL: readers (the CLI) never block the writer (the scheduler) nor see a half-written turn.
  // The mode is stored in the file, so usually it is set already. Setting it needs the file to
  // itself for a moment, and SQLite answers "database is locked" at once (its busy handler is
  // not used for this) when another process opens the new database at the same instant, e.g.
  // `sluice dags trigger` right beside a starting scheduler: so retry, within the busy timeout.
  SLUICE_ASSIGN_OR_RETURN(std::string mode, db.QueryText("PRAGMA journal_mode"));
  for (int waited_ms = 0; mode != "wal";) {
    auto set = db.QueryText("PRAGMA journal_mode = WAL");
    if (set.ok()) {
      mode = *set;
      break;
    }
    if (!db.LastErrorWasBusy() || waited_ms >= kBusyTimeoutMs) return set.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    waited_ms += 5;
  }
  if (mode != "wal") {
    return Status::Io("PRAGMA journal_mode = WAL: the database stayed in '" + mode +
                      "' mode (an in-memory or read-only database cannot use WAL)");
  }
  // NORMAL in WAL mode loses no committed transaction on a process crash (kill -9), only on
  // power loss; FULL fsyncs the WAL on every commit for that (DESIGN.md section 4).
  SLUICE_RETURN_IF_ERROR(
      db.Exec(durable_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
              "PRAGMA synchronous"));
  // Checkpoints (copying the WAL into the database, with an fsync of each) are SqliteStore's:
  // when idle, and at busy_checkpoint_pages in a long busy stretch (OnWalCommit).
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStoreWithOptions(const std::string& path,
                                                          const SqliteStoreOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto db, sqlite::Db::Open(path, options.vfs));
  Status st = ConfigureConnection(*db, options.durable_full);
  if (!st.ok()) return st.WithContext("open database \"" + path + "\"");
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db), options));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, bool durable_full) {
  return OpenSqliteStoreWithOptions(path, {.durable_full = durable_full});
}

int SqliteStore::LatestSchemaVersion() const { return SqliteMigrations().back().version; }

Result<int> SqliteStore::SchemaVersion() {
  // An empty database has no schema_version table yet: that is version 0, not an error.
  SLUICE_ASSIGN_OR_RETURN(sqlite::Statement * exists,
                          db_->Prepare("SELECT count(*) FROM sqlite_master "
                                       "WHERE type = 'table' AND name = 'schema_version'"));
  {
    sqlite::Query q(*exists);
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step("read schema version"));
    if (!row || q->Int(0) == 0) return 0;
  }
  SLUICE_ASSIGN_OR_RETURN(sqlite::Statement * max,
                          db_->Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  sqlite::Query q(*max);
  SLUICE_ASSIGN_OR_RETURN(bool row, q->Step("read schema version"));
  return row ? static_cast<int>(q->Int(0)) : 0;
}

namespace {

Status NewerSchema(int version, int latest) {
  return Status::Precondition("database schema version " + std::to_string(version) +
                              " is newer than this build (" + std::to_string(latest) +
                              "): upgrade sluice");
}

}  // namespace

Status SqliteStore::Migrate() {
  const int latest = LatestSchemaVersion();
  SLUICE_ASSIGN_OR_RETURN(int current, SchemaVersion());
  if (current > latest) return NewerSchema(current, latest);
  if (current == latest) return Status::Ok();
  // Every pending migration in one transaction, so no other process ever sees a version in
  // between: a CLI command opening a database that a starting scheduler is creating must find
  // it either empty (and migrate it too) or at the latest version, not at one it would ask the
  // user to `sluice db migrate`.
  return InTransaction([&]() -> Status {
    // Read again under the write lock: another process may have migrated meanwhile.
    SLUICE_ASSIGN_OR_RETURN(int now, SchemaVersion());
    if (now > latest) return NewerSchema(now, latest);
    for (const Migration& m : SqliteMigrations()) {
      if (m.version > now) SLUICE_RETURN_IF_ERROR(ApplyMigration(m));
    }
    return Status::Ok();
  });
}

Status SqliteStore::ApplyMigration(const Migration& m) {
  SLUICE_RETURN_IF_ERROR(db_->Exec(m.sql, std::string("migration ") + m.name));
  SLUICE_ASSIGN_OR_RETURN(sqlite::Statement * insert,
                          db_->Prepare("INSERT INTO schema_version (version, name, applied_us) "
                                       "VALUES (?, ?, ?)"));
  sqlite::Query q(*insert);
  q->Bind(1, m.version);
  q->Bind(2, m.name);
  // For the operator's eyes only (when was this upgraded?), so the wall clock is right.
  q->Bind(3, SystemClock().Now());
  return q->Run(std::string("record migration ") + m.name);
}

Result<StoreReport> SqliteStore::Inspect() { return InspectSchemaThenFile(false); }

Result<StoreReport> SqliteStore::InspectSchemaThenFile(bool stop_at_schema) {
  StoreReport report;
  report.latest_version = LatestSchemaVersion();
  SLUICE_ASSIGN_OR_RETURN(report.schema_version, SchemaVersion());
  if (report.schema_version < report.latest_version) {
    report.findings.push_back({StatusCode::kFailedPrecondition,
                               "database schema is at version " +
                                   std::to_string(report.schema_version) + ", this build needs " +
                                   std::to_string(report.latest_version),
                               "run `sluice db migrate`"});
  } else if (report.schema_version > report.latest_version) {
    report.findings.push_back({StatusCode::kFailedPrecondition,
                               "database schema version " + std::to_string(report.schema_version) +
                                   " is newer than this build (" +
                                   std::to_string(report.latest_version) + ")",
                               "upgrade sluice"});
  }
  // The integrity check reads every page: not worth it before a refusal for the schema.
  if (stop_at_schema && !report.findings.empty()) return report;
  SLUICE_ASSIGN_OR_RETURN(sqlite::Statement * check, db_->Prepare("PRAGMA integrity_check"));
  sqlite::Query q(*check);
  std::string problems;
  int found = 0;
  for (;;) {
    // A page too damaged to walk fails the pragma itself (kCorrupt, with the repair): reported
    // as one finding rather than as an error, since that is what the check is for.
    auto row = q->Step("PRAGMA integrity_check");
    if (!row.ok() && row.status().code() != StatusCode::kCorrupt) return row.status();
    if (!row.ok()) {
      report.intact = false;
      report.findings.push_back(
          {StatusCode::kCorrupt,
           "the database " + db_->path() + " is corrupt (" + db_->ErrorMessage() + ")",
           RepairStep()});
      return report;
    }
    if (!*row) break;
    std::string line = q->Text(0);
    if (line == "ok") continue;
    // The first few lines say enough; a damaged file can produce thousands.
    if (++found <= 3) problems += (problems.empty() ? "" : "; ") + line;
  }
  if (found > 0) {
    report.intact = false;
    report.findings.push_back({StatusCode::kCorrupt,
                               "the database " + db_->path() + " is corrupt (" +
                                   std::to_string(found) + " problems: " + problems + ")",
                               RepairStep()});
  }
  return report;
}

std::string SqliteStore::RepairStep() const {
  return "stop the scheduler, then run: " + sqlite::RecoverCommand(db_->path());
}

Status SqliteStore::Check() {
  SLUICE_ASSIGN_OR_RETURN(StoreReport report, InspectSchemaThenFile(true));
  if (report.findings.empty()) return Status::Ok();
  const StoreFinding& first = report.findings.front();
  const std::string message = first.problem + ": " + first.fix;
  if (first.code == StatusCode::kCorrupt) return Status::Corrupt(message);
  return Status::Precondition(message);
}

Status SqliteStore::QuickCheck() {
  SLUICE_ASSIGN_OR_RETURN(sqlite::Statement * check, db_->Prepare("PRAGMA quick_check"));
  sqlite::Query q(*check);
  SLUICE_ASSIGN_OR_RETURN(bool row, q->Step("PRAGMA quick_check"));
  if (!row || q->Text(0) == "ok") return Status::Ok();
  return sqlite::DatabaseCorrupt(db_->path(), q->Text(0), /*not_a_database=*/false);
}

// A checkpoint copies the write-ahead log into the database and fsyncs both: milliseconds on a
// slow disk. SQLite's own autocheckpoint does it inside whichever commit crosses its threshold,
// in the middle of a busy stretch; here it waits for Housekeep, unless the log grows to
// busy_checkpoint_pages first (32 MiB at 4 KiB pages by default), which bounds the log and the
// work a checkpoint does. At idle, every idle_checkpoint_pages (16 MiB): checkpoints cost an
// fsync pair each, and this disk's fsyncs are slow; a task that ends during one waits for it.
SqliteStore::SqliteStore(std::unique_ptr<sqlite::Db> db, const SqliteStoreOptions& options)
    : db_(std::move(db)),
      idle_checkpoint_pages_(options.idle_checkpoint_pages),
      busy_checkpoint_pages_(options.busy_checkpoint_pages) {
  // Replaces SQLite's autocheckpoint, which is itself a wal_hook.
  sqlite3_wal_hook(db_->handle(), &SqliteStore::OnWalCommit, this);
}

int SqliteStore::OnWalCommit(void* self, sqlite3* db, const char* schema, int pages) {
  auto* store = static_cast<SqliteStore*>(self);
  store->wal_pages_ = pages;
  if (pages >= store->busy_checkpoint_pages_) {
    // As SQLite's autocheckpoint does: PASSIVE, so readers are never waited for.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    store->wal_pages_ = 0;
  }
  return SQLITE_OK;
}

Status SqliteStore::Housekeep() {
  if (wal_pages_ < idle_checkpoint_pages_) return Status::Ok();
  wal_pages_ = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                           nullptr, nullptr);
  // BUSY: another connection is checkpointing; the log is copied either way.
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    return sqlite::SqliteError(db_->handle(), db_->path(), "checkpoint the write-ahead log");
  }
  return Status::Ok();
}

// Appended to a failed commit's message when the commit may yet be durable.
constexpr std::string_view kOutcomeUnknown =
    " (the write-ahead log could not be synced after this commit was written to it: the commit "
    "may still be in the database after a crash; restart and read the store again)";

Status SqliteStore::InTransaction(const std::function<Status()>& body) {
  SLUICE_ASSIGN_OR_RETURN(sqlite::Statement * begin, db_->Prepare("BEGIN IMMEDIATE"));
  {
    sqlite::Query q(*begin);
    SLUICE_RETURN_IF_ERROR(q->Run("begin transaction"));
  }
  Status st = body();
  if (st.ok()) {
    SLUICE_ASSIGN_OR_RETURN(sqlite::Statement * commit, db_->Prepare("COMMIT"));
    sqlite::Query q(*commit);
    st = q->Run("commit transaction");
    if (st.ok()) return st;
    // With synchronous=FULL, SQLite writes every frame of the commit into the WAL and then
    // fsyncs it. When that fsync fails the commit is reported failed, yet its frames are whole
    // in the log: the next commit overwrites them, but a crash first would bring the commit
    // back (stock SQLite; sqlite_fault_test.cc shows it). Say so rather than claim it failed.
    if (sqlite3_extended_errcode(db_->handle()) == SQLITE_IOERR_FSYNC) {
      st = Status::Io(st.message() + std::string(kOutcomeUnknown));
    }
  }
  // SQLite ends the transaction itself after some errors (a full disk, out of memory).
  if (db_->InTransaction()) {
    Status rolled_back = db_->Exec("ROLLBACK", "roll back transaction");
    // A full or damaged database stops the process anyway; its message says what to do.
    const bool stops = st.code() == StatusCode::kNoSpace || st.code() == StatusCode::kCorrupt;
    if (!rolled_back.ok() && !stops) {
      return Status::Io(st.message() + " (and then " + rolled_back.message() + ")");
    }
  }
  return st;
}

Result<int64_t> SqliteStore::EnqueueCommand(const CommandRecord& command) {
  SLUICE_ASSIGN_OR_RETURN(sqlite::Statement * insert,
                          db_->Prepare("INSERT INTO commands (created_us, kind, args_json, "
                                       "state, result) VALUES (?, ?, ?, 'pending', '')"));
  sqlite::Query q(*insert);
  q->Bind(1, command.created);
  q->Bind(2, command.kind);
  q->Bind(3, command.args_json);
  SLUICE_RETURN_IF_ERROR(q->Run("enqueue command " + command.kind));
  return db_->LastInsertRowid();
}

namespace {

constexpr const char* kCommandColumns = "id, created_us, kind, args_json, state, result";

CommandRecord ReadCommand(const sqlite::Statement& s) {
  CommandRecord c;
  c.id = s.Int(0);
  c.created = s.Time(1);
  c.kind = s.Text(2);
  c.args_json = s.Text(3);
  c.state = s.Text(4);
  c.result = s.Text(5);
  return c;
}

}  // namespace

Result<std::vector<CommandRecord>> SqliteStore::PendingCommands() {
  SLUICE_ASSIGN_OR_RETURN(sqlite::Statement * select,
                          db_->Prepare(std::string("SELECT ") + kCommandColumns +
                                       " FROM commands WHERE state = 'pending' ORDER BY id"));
  sqlite::Query q(*select);
  std::vector<CommandRecord> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step("list pending commands"));
    if (!row) break;
    out.push_back(ReadCommand(*q));
  }
  return out;
}

Result<std::optional<CommandRecord>> SqliteStore::GetCommand(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(
      sqlite::Statement * select,
      db_->Prepare(std::string("SELECT ") + kCommandColumns + " FROM commands WHERE id = ?"));
  sqlite::Query q(*select);
  q->Bind(1, id);
  SLUICE_ASSIGN_OR_RETURN(bool row, q->Step("get command " + std::to_string(id)));
  if (!row) return std::optional<CommandRecord>();
  return std::optional<CommandRecord>(ReadCommand(*q));
}

}  // namespace sluice
