#include "store/sqlite/sqlite_records.h"

#include <string>

namespace sluice::sqlite {

const char* const kSelectTaskInstances =
    "SELECT dag_id, run_id, task_id, map_index, state, try_number, retry_base, start_us, end_us, "
    "next_try_at_us, owner, lease_until_us, pokes, last_poke_us, last_poke FROM task_instances";

Result<TaskInstanceRecord> ReadTaskInstance(const Statement& s) {
  TaskInstanceRecord t;
  t.dag_id = s.Text(0);
  t.run_id = s.Text(1);
  t.task_id = s.Text(2);
  t.map_index = MapIndexFromStored(s.Int(3));
  std::string state = s.Text(4);
  SLUICE_ASSIGN_OR_RETURN(t.state, ParsedOr(ParseTaskState(state), state,
                                            "task instance " + TaskInstanceName(t) + " state"));
  t.try_number = static_cast<int>(s.Int(5));
  t.retry_base = static_cast<int>(s.Int(6));
  t.start = s.OptionalTime(7);
  t.end = s.OptionalTime(8);
  t.next_try_at = s.OptionalTime(9);
  t.owner = s.Text(10);
  t.lease_until = s.OptionalTime(11);
  t.pokes = static_cast<int>(s.Int(12));
  t.last_poke_at = s.OptionalTime(13);
  t.last_poke = s.Text(14);
  return t;
}

void BindTaskInstance(Statement& s, const TaskInstanceRecord& t) {
  s.Bind(1, t.dag_id);
  s.Bind(2, t.run_id);
  s.Bind(3, t.task_id);
  s.Bind(4, StoredMapIndex(t.map_index));
  s.Bind(5, TaskStateName(t.state));
  s.Bind(6, t.try_number);
  s.Bind(7, t.retry_base);
  s.Bind(8, t.start);
  s.Bind(9, t.end);
  s.Bind(10, t.next_try_at);
  s.Bind(11, t.owner);
  s.Bind(12, t.lease_until);
  s.Bind(13, t.pokes);
  s.Bind(14, t.last_poke_at);
  s.Bind(15, t.last_poke);
}

// The subquery reads the last entry of the partial index task_instances_queued: one B-tree
// descent, evaluated only for a row that becomes queued.
const char* const kQueuedOrderOnUpdate =
    "CASE WHEN ?5 <> 'queued' THEN NULL WHEN state = 'queued' THEN queued_order "
    "ELSE (SELECT COALESCE(MAX(queued_order), 0) + 1 FROM task_instances "
    "WHERE state = 'queued') END";

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
  s.Bind(13, r.sla_missed_at);
}

Status InsertEvents(Db& db, const std::vector<EventRecord>& events) {
  if (events.empty()) return Status::Ok();
  SLUICE_ASSIGN_OR_RETURN(
      Statement * insert,
      db.Prepare("INSERT INTO events (time_us, dag_id, run_id, task_id, map_index, kind, "
                 "from_state, to_state, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  for (const EventRecord& e : events) {
    Query q(*insert);
    q->Bind(1, e.time);
    q->Bind(2, e.dag_id);
    q->Bind(3, e.run_id);
    q->Bind(4, e.task_id);
    q->Bind(5, StoredMapIndex(e.map_index));
    q->Bind(6, e.kind);
    q->Bind(7, e.from);
    q->Bind(8, e.to);
    q->Bind(9, e.detail);
    // The description is built only on failure: this runs for every event of every turn.
    Status st = q->Run("");
    if (!st.ok()) return st.WithContext("append event " + e.kind);
  }
  return Status::Ok();
}

}  // namespace sluice::sqlite
