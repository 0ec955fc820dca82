#include "store/sqlite/sqlite_transitions.h"

#include <string>

#include "store/sqlite/sqlite_records.h"

namespace sluice::sqlite {
namespace {

// Every field but the key, as the upsert writes them (BindTaskInstance's ?1..?15), if the row
// is still in state ?16.
const std::string& UpdateTaskInstanceSql() {
  static const std::string sql =
      std::string(
          "UPDATE task_instances SET state = ?5, try_number = ?6, retry_base = ?7, "
          "start_us = ?8, end_us = ?9, next_try_at_us = ?10, owner = ?11, "
          "lease_until_us = ?12, pokes = ?13, last_poke_us = ?14, last_poke = ?15, "
          "queued_order = ") +
      kQueuedOrderOnUpdate +
      " WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3 AND map_index = ?4 AND state = ?16";
  return sql;
}

constexpr const char* kUpdateRun =
    "UPDATE runs SET type = ?3, state = ?4, logical_date_us = ?5, data_interval_start_us = ?6, "
    "data_interval_end_us = ?7, dag_hash = ?8, params_json = ?9, queued_at_us = ?10, "
    "start_us = ?11, end_us = ?12, sla_missed_us = ?13 "
    "WHERE dag_id = ?1 AND run_id = ?2 AND state = ?14";

// The stored state of the row `select` finds (by the key bound to it), or "" when none.
Result<std::string> StoredState(Statement& select, const std::string& op) {
  Query q(select);
  SLUICE_ASSIGN_OR_RETURN(bool row, q->Step(op));
  if (!row) return std::string();
  return q->Text(0);
}

Status Conflict(const std::string& what, const char* expected, const std::string& found) {
  if (found.empty()) {
    return Status::Conflict(what + ": expected state " + expected + ", but it does not exist");
  }
  return Status::Conflict(what + ": expected state " + expected + ", found " + found);
}

}  // namespace

Status ApplyTaskTransition(Db& db, const TaskTransition& t) {
  SLUICE_ASSIGN_OR_RETURN(Statement * update, db.Prepare(UpdateTaskInstanceSql()));
  {
    Query q(*update);
    BindTaskInstance(*update, t.to);
    q->Bind(16, TaskStateName(t.from));
    Status st = q->Run("");
    if (!st.ok()) return st.WithContext("update task instance " + TaskInstanceName(t.to));
    if (db.Changes() == 1) return Status::Ok();
  }
  const std::string what = "task instance " + TaskInstanceName(t.to);
  SLUICE_ASSIGN_OR_RETURN(Statement * select,
                          db.Prepare("SELECT state FROM task_instances WHERE dag_id = ?1 AND "
                                     "run_id = ?2 AND task_id = ?3 AND map_index = ?4"));
  select->Bind(1, t.to.dag_id);
  select->Bind(2, t.to.run_id);
  select->Bind(3, t.to.task_id);
  select->Bind(4, StoredMapIndex(t.to.map_index));
  SLUICE_ASSIGN_OR_RETURN(std::string found, StoredState(*select, "read " + what));
  return Conflict(what, TaskStateName(t.from), found);
}

Status ApplyRunTransition(Db& db, const RunTransition& t) {
  SLUICE_ASSIGN_OR_RETURN(Statement * update, db.Prepare(kUpdateRun));
  const auto what = [&t] { return "run " + t.to.dag_id + "/" + t.to.run_id; };
  {
    Query q(*update);
    BindRun(*update, t.to);
    q->Bind(14, RunStateName(t.from));
    Status st = q->Run("");
    if (!st.ok()) return st.WithContext("update " + what());
    if (db.Changes() == 1) return Status::Ok();
  }
  SLUICE_ASSIGN_OR_RETURN(Statement * select,
                          db.Prepare("SELECT state FROM runs WHERE dag_id = ?1 AND run_id = ?2"));
  select->Bind(1, t.to.dag_id);
  select->Bind(2, t.to.run_id);
  SLUICE_ASSIGN_OR_RETURN(std::string found, StoredState(*select, "read " + what()));
  return Conflict(what(), RunStateName(t.from), found);
}

}  // namespace sluice::sqlite
