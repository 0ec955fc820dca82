// SqliteStore::Apply: one WriteBatch in one transaction. This is the scheduler's hot path
// (every loop turn), so each section binds rows into one cached statement: no per-row prepare,
// no per-row transaction.
#include <string>

#include "store/sqlite/sqlite_store.h"

namespace sluice {
namespace {

using sqlite::Db;
using sqlite::Query;
using sqlite::Statement;

// `paused` is deliberately absent from the UPDATE: only set_paused changes it.
constexpr const char* kUpsertDag =
    "INSERT INTO dags (dag_id, file, hash, paused, deleted, errors_json, last_scheduled_us) "
    "VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6) ON CONFLICT (dag_id) DO UPDATE SET "
    "file = excluded.file, hash = excluded.hash, deleted = excluded.deleted, "
    "errors_json = excluded.errors_json, last_scheduled_us = excluded.last_scheduled_us";

constexpr const char* kSetPaused =
    "INSERT INTO dags (dag_id, paused) VALUES (?1, ?2) "
    "ON CONFLICT (dag_id) DO UPDATE SET paused = excluded.paused";

// Versions are immutable: the first write of (dag_id, hash) wins.
constexpr const char* kInsertDagVersion =
    "INSERT INTO dag_versions (dag_id, hash, spec_json, created_us) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (dag_id, hash) DO NOTHING";

constexpr const char* kUpsertRun =
    "INSERT INTO runs (dag_id, run_id, type, state, logical_date_us, data_interval_start_us, "
    "data_interval_end_us, dag_hash, params_json, queued_at_us, start_us, end_us) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
    "ON CONFLICT (dag_id, run_id) DO UPDATE SET type = excluded.type, state = excluded.state, "
    "logical_date_us = excluded.logical_date_us, "
    "data_interval_start_us = excluded.data_interval_start_us, "
    "data_interval_end_us = excluded.data_interval_end_us, dag_hash = excluded.dag_hash, "
    "params_json = excluded.params_json, queued_at_us = excluded.queued_at_us, "
    "start_us = excluded.start_us, end_us = excluded.end_us";

// An update keeps the row's seq, so ListTaskInstances keeps the first insertion order.
constexpr const char* kUpsertTaskInstance =
    "INSERT INTO task_instances (dag_id, run_id, task_id, state, try_number, retry_base, "
    "start_us, end_us, next_try_at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (dag_id, run_id, task_id) DO UPDATE SET state = excluded.state, "
    "try_number = excluded.try_number, retry_base = excluded.retry_base, "
    "start_us = excluded.start_us, end_us = excluded.end_us, "
    "next_try_at_us = excluded.next_try_at_us";

// An attempt's id comes from its task instance (0004_attempts_in_task_instance_order.sql):
// seq * 1048576 + try. Without a task instance the SELECT yields no row and nothing is written,
// which ApplyInTransaction reports. (A VALUES form would pass a NULL id, for which SQLite would
// pick a new rowid.) The WHERE is required before ON CONFLICT in an INSERT ... SELECT.
constexpr const char* kUpsertAttempt =
    "INSERT INTO attempts (id, dag_id, run_id, task_id, try_number, state, start_us, end_us, "
    "exit_code, signal, timed_out, host, pid, log_path, error) "
    "SELECT seq * 1048576 + ?4, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14 "
    "FROM task_instances WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3 "
    "ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
    "start_us = excluded.start_us, end_us = excluded.end_us, exit_code = excluded.exit_code, "
    "signal = excluded.signal, timed_out = excluded.timed_out, host = excluded.host, "
    "pid = excluded.pid, log_path = excluded.log_path, error = excluded.error";

constexpr const char* kInsertEvent =
    "INSERT INTO events (time_us, dag_id, run_id, task_id, kind, from_state, to_state, detail) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

constexpr const char* kFinishCommand = "UPDATE commands SET state = ?1, result = ?2 WHERE id = ?3";

// Runs `bind(stmt, row)` then the statement for every row of `rows`, naming a failed row by
// `describe(row)` in the error.
template <typename Row, typename BindFn, typename DescribeFn>
Status ForEachRow(Db& db, const char* sql, const std::vector<Row>& rows, BindFn bind,
                  DescribeFn describe) {
  if (rows.empty()) return Status::Ok();
  SLUICE_ASSIGN_OR_RETURN(Statement * stmt, db.Prepare(sql));
  for (const Row& row : rows) {
    Query q(*stmt);
    bind(*stmt, row);
    // The description is built only on failure: this loop runs for every row of every turn.
    Status st = q->Run("");
    if (!st.ok()) return st.WithContext(describe(row));
  }
  return Status::Ok();
}

void BindDag(Statement& s, const DagRecord& d) {
  s.Bind(1, d.dag_id);
  s.Bind(2, d.file);
  s.Bind(3, d.hash);
  s.Bind(4, d.deleted);
  s.Bind(5, d.errors_json);
  s.Bind(6, d.last_scheduled);
}

void BindRun(Statement& s, const RunRecord& r) {
  s.Bind(1, r.dag_id);
  s.Bind(2, r.run_id);
  s.Bind(3, RunTypeName(r.type));
  s.Bind(4, RunStateName(r.state));
  s.Bind(5, r.logical_date);
  s.Bind(6, r.data_interval_start);
  s.Bind(7, r.data_interval_end);
  s.Bind(8, r.dag_hash);
  s.Bind(9, r.params_json);
  s.Bind(10, r.queued_at);
  s.Bind(11, r.start);
  s.Bind(12, r.end);
}

void BindTaskInstance(Statement& s, const TaskInstanceRecord& t) {
  s.Bind(1, t.dag_id);
  s.Bind(2, t.run_id);
  s.Bind(3, t.task_id);
  s.Bind(4, TaskStateName(t.state));
  s.Bind(5, t.try_number);
  s.Bind(6, t.retry_base);
  s.Bind(7, t.start);
  s.Bind(8, t.end);
  s.Bind(9, t.next_try_at);
}

void BindAttempt(Statement& s, const AttemptRecord& a) {
  s.Bind(1, a.dag_id);
  s.Bind(2, a.run_id);
  s.Bind(3, a.task_id);
  s.Bind(4, a.try_number);
  s.Bind(5, AttemptStateName(a.state));
  s.Bind(6, a.start);
  s.Bind(7, a.end);
  s.Bind(8, a.exit_code);
  s.Bind(9, a.signal);
  s.Bind(10, a.timed_out);
  s.Bind(11, a.host);
  s.Bind(12, a.pid);
  s.Bind(13, a.log_path);
  s.Bind(14, a.error);
}

void BindEvent(Statement& s, const EventRecord& e) {
  s.Bind(1, e.time);
  s.Bind(2, e.dag_id);
  s.Bind(3, e.run_id);
  s.Bind(4, e.task_id);
  s.Bind(5, e.kind);
  s.Bind(6, e.from);
  s.Bind(7, e.to);
  s.Bind(8, e.detail);
}

}  // namespace

Status SqliteStore::Apply(const WriteBatch& batch) {
  if (batch.empty()) return Status::Ok();
  return InTransaction([&] { return ApplyInTransaction(batch); });
}

Status SqliteStore::ApplyInTransaction(const WriteBatch& batch) {
  Db& db = *db_;
  SLUICE_RETURN_IF_ERROR(ForEachRow(db, kUpsertDag, batch.dags, BindDag,
                                    [](const auto& d) { return "upsert dag " + d.dag_id; }));
  SLUICE_RETURN_IF_ERROR(ForEachRow(
      db, kSetPaused, batch.set_paused,
      [](Statement& s, const std::pair<std::string, bool>& p) {
        s.Bind(1, p.first);
        s.Bind(2, p.second);
      },
      [](const auto& p) { return "set paused on dag " + p.first; }));
  SLUICE_RETURN_IF_ERROR(ForEachRow(
      db, kInsertDagVersion, batch.dag_versions,
      [](Statement& s, const DagVersionRecord& v) {
        s.Bind(1, v.dag_id);
        s.Bind(2, v.hash);
        s.Bind(3, v.spec_json);
        s.Bind(4, v.created);
      },
      [](const auto& v) { return "insert version " + v.hash + " of dag " + v.dag_id; }));
  SLUICE_RETURN_IF_ERROR(ForEachRow(db, kUpsertRun, batch.runs, BindRun, [](const auto& r) {
    return "upsert run " + r.dag_id + "/" + r.run_id;
  }));
  SLUICE_RETURN_IF_ERROR(ForEachRow(
      db, kUpsertTaskInstance, batch.task_instances, BindTaskInstance, [](const auto& t) {
        return "upsert task instance " + t.dag_id + "/" + t.run_id + "/" + t.task_id;
      }));
  if (!batch.attempts.empty()) {
    SLUICE_ASSIGN_OR_RETURN(Statement * upsert, db.Prepare(kUpsertAttempt));
    for (const AttemptRecord& a : batch.attempts) {
      Query q(*upsert);
      BindAttempt(*upsert, a);
      Status st = q->Run("");
      // Built only on failure, as in ForEachRow.
      auto op = [&a] {
        return "upsert attempt " + a.dag_id + "/" + a.run_id + "/" + a.task_id + " try " +
               std::to_string(a.try_number);
      };
      if (!st.ok()) return st.WithContext(op());
      if (db.Changes() == 0) {
        return Status::NotFound(op() + ": no task instance " + a.dag_id + "/" + a.run_id + "/" +
                                a.task_id);
      }
    }
  }
  SLUICE_RETURN_IF_ERROR(ForEachRow(db, kInsertEvent, batch.events, BindEvent,
                                    [](const auto& e) { return "append event " + e.kind; }));
  if (!batch.finished_commands.empty()) {
    SLUICE_ASSIGN_OR_RETURN(Statement * finish, db.Prepare(kFinishCommand));
    for (const CommandRecord& c : batch.finished_commands) {
      Query q(*finish);
      q->Bind(1, c.state);
      q->Bind(2, c.result);
      q->Bind(3, c.id);
      std::string op = "finish command " + std::to_string(c.id);
      SLUICE_RETURN_IF_ERROR(q->Run(op));
      // Commands are never deleted, so an unknown id is a caller bug worth failing the batch.
      if (db.Changes() == 0) return Status::NotFound(op + ": no such command");
    }
  }
  return Status::Ok();
}

}  // namespace sluice
