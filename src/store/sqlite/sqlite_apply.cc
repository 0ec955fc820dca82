// SqliteStore::Apply: one WriteBatch in one transaction. This is the scheduler's hot path
// (every loop turn), so each section binds rows into one cached statement: no per-row prepare,
// no per-row transaction. The conditional transitions are in sqlite_transitions.cc.
#include <functional>
#include <string>

#include "store/sqlite/sqlite_deliveries.h"
#include "store/sqlite/sqlite_records.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_transitions.h"

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
    "data_interval_end_us, dag_hash, params_json, queued_at_us, start_us, end_us, sla_missed_us) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
    "ON CONFLICT (dag_id, run_id) DO UPDATE SET type = excluded.type, state = excluded.state, "
    "logical_date_us = excluded.logical_date_us, "
    "data_interval_start_us = excluded.data_interval_start_us, "
    "data_interval_end_us = excluded.data_interval_end_us, dag_hash = excluded.dag_hash, "
    "params_json = excluded.params_json, queued_at_us = excluded.queued_at_us, "
    "start_us = excluded.start_us, end_us = excluded.end_us, "
    "sla_missed_us = excluded.sla_missed_us";

// An update keeps the row's seq, so ListTaskInstances keeps the first insertion order, and the
// attempts stored under it (0004) stay its own. queued_order: see kQueuedOrderOnUpdate.
const std::string& UpsertTaskInstanceSql() {
  static const std::string sql =
      std::string(
          "INSERT INTO task_instances (dag_id, run_id, task_id, map_index, state, try_number, "
          "retry_base, start_us, end_us, next_try_at_us, owner, lease_until_us, pokes, "
          "last_poke_us, last_poke, queued_order) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
          "CASE WHEN ?5 = 'queued' "
          "THEN (SELECT COALESCE(MAX(queued_order), 0) + 1 FROM task_instances "
          "WHERE state = 'queued') END) "
          "ON CONFLICT (dag_id, run_id, task_id, map_index) DO UPDATE SET state = ?5, "
          "try_number = ?6, retry_base = ?7, start_us = ?8, end_us = ?9, next_try_at_us = ?10, "
          "owner = ?11, lease_until_us = ?12, pokes = ?13, last_poke_us = ?14, last_poke = ?15, "
          "queued_order = ") +
      sqlite::kQueuedOrderOnUpdate;
  return sql;
}

// An attempt's id comes from its task instance (0004_attempts_in_task_instance_order.sql):
// seq * 1048576 + try. Without a task instance the SELECT yields no row and nothing is written,
// which ApplyInTransaction reports. (A VALUES form would pass a NULL id, for which SQLite would
// pick a new rowid.) The WHERE is required before ON CONFLICT in an INSERT ... SELECT.
constexpr const char* kUpsertAttempt =
    "INSERT INTO attempts (id, dag_id, run_id, task_id, map_index, try_number, state, start_us, "
    "end_us, exit_code, signal, timed_out, host, pid, log_path, error, kill_requested, log_note, "
    "long_running_us) "
    "SELECT seq * 1048576 + ?5, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
    "?16, ?17, ?18 "
    "FROM task_instances WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3 AND map_index = ?4 "
    "ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
    "start_us = excluded.start_us, end_us = excluded.end_us, exit_code = excluded.exit_code, "
    "signal = excluded.signal, timed_out = excluded.timed_out, host = excluded.host, "
    "pid = excluded.pid, log_path = excluded.log_path, error = excluded.error, "
    "kill_requested = excluded.kill_requested, log_note = excluded.log_note, "
    "long_running_us = excluded.long_running_us";

constexpr const char* kFinishCommand = "UPDATE commands SET state = ?1, result = ?2 WHERE id = ?3";

// Runs `bind(stmt, row)` then the statement for every row of `rows`, naming a failed row by
// `describe(row)` in the error.
template <typename Row, typename BindFn, typename DescribeFn>
Status ForEachRow(Db& db, const std::string& sql, const std::vector<Row>& rows, BindFn bind,
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

void BindAttempt(Statement& s, const AttemptRecord& a) {
  s.Bind(1, a.dag_id);
  s.Bind(2, a.run_id);
  s.Bind(3, a.task_id);
  s.Bind(4, sqlite::StoredMapIndex(a.map_index));
  s.Bind(5, a.try_number);
  s.Bind(6, AttemptStateName(a.state));
  s.Bind(7, a.start);
  s.Bind(8, a.end);
  s.Bind(9, a.exit_code);
  s.Bind(10, a.signal);
  s.Bind(11, a.timed_out);
  s.Bind(12, a.host);
  s.Bind(13, a.pid);
  s.Bind(14, a.log_path);
  s.Bind(15, a.error);
  s.Bind(16, a.kill_requested);
  s.Bind(17, a.log_note);
  s.Bind(18, a.long_running_at);
}

std::string AttemptName(const AttemptRecord& a) {
  return "attempt " + TaskInstanceName(a.dag_id, a.run_id, a.task_id, a.map_index) + " try " +
         std::to_string(a.try_number);
}

// A map index is stored as -1 for none, so a negative one would read back as none.
Status CheckMapIndex(std::optional<int> map_index, const std::function<std::string()>& what) {
  if (!map_index || *map_index >= 0) return Status::Ok();
  return Status::Invalid(what() + ": map_index " + std::to_string(*map_index) +
                         " is negative (an unmapped task has none)");
}

Status CheckMapIndexes(const WriteBatch& batch) {
  auto name = [](const auto& r) { return r.dag_id + "/" + r.run_id + "/" + r.task_id; };
  for (const TaskInstanceRecord& t : batch.task_instances) {
    SLUICE_RETURN_IF_ERROR(CheckMapIndex(t.map_index, [&] { return "task instance " + name(t); }));
  }
  for (const TaskTransition& t : batch.task_transitions) {
    SLUICE_RETURN_IF_ERROR(
        CheckMapIndex(t.to.map_index, [&] { return "task instance " + name(t.to); }));
  }
  for (const AttemptRecord& a : batch.attempts) {
    SLUICE_RETURN_IF_ERROR(CheckMapIndex(a.map_index, [&] {
      return "attempt " + name(a) + " try " + std::to_string(a.try_number);
    }));
  }
  for (const EventRecord& e : batch.events) {
    SLUICE_RETURN_IF_ERROR(
        CheckMapIndex(e.map_index, [&] { return "event " + e.kind + " of " + name(e); }));
  }
  return Status::Ok();
}

}  // namespace

Status SqliteStore::Apply(const WriteBatch& batch) {
  if (batch.empty()) return Status::Ok();
  SLUICE_RETURN_IF_ERROR(CheckMapIndexes(batch));
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
  SLUICE_RETURN_IF_ERROR(ForEachRow(db, kUpsertRun, batch.runs, sqlite::BindRun, [](const auto& r) {
    return "upsert run " + r.dag_id + "/" + r.run_id;
  }));
  SLUICE_RETURN_IF_ERROR(
      ForEachRow(db, UpsertTaskInstanceSql(), batch.task_instances, sqlite::BindTaskInstance,
                 [](const auto& t) { return "upsert task instance " + TaskInstanceName(t); }));
  for (const RunTransition& t : batch.run_transitions) {
    SLUICE_RETURN_IF_ERROR(sqlite::ApplyRunTransition(db, t));
  }
  for (const TaskTransition& t : batch.task_transitions) {
    SLUICE_RETURN_IF_ERROR(sqlite::ApplyTaskTransition(db, t));
  }
  if (!batch.attempts.empty()) {
    SLUICE_ASSIGN_OR_RETURN(Statement * upsert, db.Prepare(kUpsertAttempt));
    for (const AttemptRecord& a : batch.attempts) {
      Query q(*upsert);
      BindAttempt(*upsert, a);
      Status st = q->Run("");
      if (!st.ok()) return st.WithContext("upsert " + AttemptName(a));
      if (db.Changes() == 0) {
        return Status::NotFound("upsert " + AttemptName(a) + ": no task instance " +
                                TaskInstanceName(a.dag_id, a.run_id, a.task_id, a.map_index));
      }
    }
  }
  SLUICE_RETURN_IF_ERROR(sqlite::InsertEvents(db, batch.events));
  SLUICE_RETURN_IF_ERROR(sqlite::InsertDeliveries(db, batch.deliveries));
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
