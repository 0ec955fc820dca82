// SqliteStore's claims: executors taking queued task instances, renewing their leases, and the
// scheduler finding the leases that ran out. A claim is a TaskTransition from queued to running
// (sqlite_transitions.h), the same conditional write a scheduler's batch makes, in a
// transaction of its own. BEGIN IMMEDIATE takes SQLite's write lock before the queue is read,
// so two executors, in one process or several, never see the same queued row as free.
#include <string>

#include "store/sqlite/sqlite_records.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_transitions.h"
#include "time/time_format.h"

namespace sluice {
namespace {

using sqlite::Query;
using sqlite::Statement;

// Through the partial index task_instances_queued, oldest first: the queue, never history.
const std::string& OldestQueuedSql() {
  static const std::string sql = std::string(sqlite::kSelectTaskInstances) +
                                 " WHERE state = 'queued' ORDER BY queued_order LIMIT ?1";
  return sql;
}

// Running task instances are found through the open runs (runs_by_state), then each run's
// task instances by key: a run ends only after all of its task instances have, so no running
// row is elsewhere, and history is never read (0005_mapped_task_instances_and_claims.sql).
constexpr const char* kInOpenRuns =
    " AND (dag_id, run_id) IN (SELECT dag_id, run_id FROM runs "
    "WHERE state IN ('queued', 'running'))";

const std::string& ExpiredLeasesSql() {
  static const std::string sql = std::string(sqlite::kSelectTaskInstances) +
                                 " WHERE state = 'running' AND owner <> '' AND "
                                 "lease_until_us < ?1" +
                                 kInOpenRuns + " ORDER BY lease_until_us, seq";
  return sql;
}

const std::string& RenewLeasesSql() {
  static const std::string sql =
      std::string(
          "UPDATE task_instances SET lease_until_us = ?1 WHERE state = 'running' AND "
          "owner = ?2") +
      kInOpenRuns;
  return sql;
}

Status CheckExecutor(const std::string& executor, const std::string& op) {
  if (executor.empty()) return Status::Invalid(op + ": the executor's name is empty");
  return Status::Ok();
}

// Every row `stmt` yields, as task instances.
Result<std::vector<TaskInstanceRecord>> ReadAll(Statement& stmt, const std::string& op) {
  std::vector<TaskInstanceRecord> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, stmt.Step(op));
    if (!row) break;
    SLUICE_ASSIGN_OR_RETURN(TaskInstanceRecord t, sqlite::ReadTaskInstance(stmt));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

Result<std::vector<TaskInstanceRecord>> SqliteStore::ClaimQueued(const std::string& executor,
                                                                 int limit, TimePoint lease_until,
                                                                 TimePoint now) {
  const std::string op = "claim queued task instances for " +
                         (executor.empty() ? std::string("an executor") : executor);
  SLUICE_RETURN_IF_ERROR(CheckExecutor(executor, op));
  if (limit < 1) {
    return Status::Invalid(op + ": limit " + std::to_string(limit) + " is below 1");
  }
  std::vector<TaskInstanceRecord> claimed;
  Status st = InTransaction([&]() -> Status {
    claimed.clear();
    std::vector<TaskInstanceRecord> queued;
    {
      SLUICE_ASSIGN_OR_RETURN(Statement * select, db_->Prepare(OldestQueuedSql()));
      Query q(*select);
      q->Bind(1, limit);
      SLUICE_ASSIGN_OR_RETURN(queued, ReadAll(*select, op));
    }
    std::vector<EventRecord> events;
    for (TaskInstanceRecord& t : queued) {
      t.state = TaskState::kRunning;
      t.owner = executor;
      t.lease_until = lease_until;
      SLUICE_RETURN_IF_ERROR(sqlite::ApplyTaskTransition(*db_, {t, TaskState::kQueued}));
      EventRecord e{.time = now,
                    .dag_id = t.dag_id,
                    .run_id = t.run_id,
                    .task_id = t.task_id,
                    .map_index = t.map_index,
                    .kind = "task_state",
                    .from = TaskStateName(TaskState::kQueued),
                    .to = TaskStateName(TaskState::kRunning),
                    .detail = "claimed by " + executor + " until " + FormatIsoUtc(lease_until)};
      events.push_back(std::move(e));
      claimed.push_back(std::move(t));
    }
    return sqlite::InsertEvents(*db_, events);
  });
  if (!st.ok()) return st;
  return claimed;
}

Result<int> SqliteStore::RenewLeases(const std::string& executor, TimePoint lease_until) {
  const std::string op = "renew the leases of " + executor;
  SLUICE_RETURN_IF_ERROR(CheckExecutor(executor, "renew leases"));
  int renewed = 0;
  Status st = InTransaction([&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(Statement * update, db_->Prepare(RenewLeasesSql()));
    Query q(*update);
    q->Bind(1, lease_until);
    q->Bind(2, executor);
    SLUICE_RETURN_IF_ERROR(q->Run(op));
    renewed = db_->Changes();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return renewed;
}

Result<std::vector<TaskInstanceRecord>> SqliteStore::ListExpiredLeases(TimePoint now) {
  SLUICE_ASSIGN_OR_RETURN(Statement * select, db_->Prepare(ExpiredLeasesSql()));
  Query q(*select);
  q->Bind(1, now);
  return ReadAll(*select, "list expired leases");
}

}  // namespace sluice
