// SqliteStore's alert deliveries: inserted by Apply with the transition that caused them, read
// by the delivery worker (DueDeliveries, through the partial index of pending rows) and by
// `sluice alerts list`, and each send recorded with its outcome in a transaction of its own.
#include "store/sqlite/sqlite_deliveries.h"

#include <string>

#include "store/sqlite/sqlite_records.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice {
namespace {

using sqlite::Query;
using sqlite::Statement;

constexpr const char* kInsertDelivery =
    "INSERT INTO alert_deliveries (created_us, event, notifier, dag_id, run_id, task_id, "
    "map_index, subject_state, try_number, max_tries, logical_date_us, log_path, state, "
    "attempts, next_attempt_us, last_attempt_us, last_error, detail) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";

constexpr const char* kDeliveryColumns =
    "SELECT id, created_us, event, notifier, dag_id, run_id, task_id, map_index, subject_state, "
    "try_number, max_tries, logical_date_us, log_path, state, attempts, next_attempt_us, "
    "last_attempt_us, last_error, detail FROM alert_deliveries";

Result<DeliveryRecord> ReadDelivery(const Statement& s) {
  DeliveryRecord d;
  d.id = s.Int(0);
  d.created = s.Time(1);
  d.event = s.Text(2);
  d.notifier = s.Text(3);
  d.dag_id = s.Text(4);
  d.run_id = s.Text(5);
  d.task_id = s.Text(6);
  d.map_index = sqlite::MapIndexFromStored(s.Int(7));
  d.subject_state = s.Text(8);
  d.try_number = static_cast<int>(s.Int(9));
  d.max_tries = static_cast<int>(s.Int(10));
  d.logical_date = s.OptionalTime(11);
  d.log_path = s.Text(12);
  const std::string state = s.Text(13);
  SLUICE_ASSIGN_OR_RETURN(d.state, sqlite::ParsedOr(ParseDeliveryState(state), state,
                                                    "delivery " + std::to_string(d.id)));
  d.attempts = static_cast<int>(s.Int(14));
  d.next_attempt = s.OptionalTime(15);
  d.last_attempt = s.OptionalTime(16);
  d.last_error = s.Text(17);
  d.detail = s.Text(18);
  return d;
}

Result<std::vector<DeliveryRecord>> ReadDeliveries(Statement& stmt, const std::string& op) {
  std::vector<DeliveryRecord> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, stmt.Step(op));
    if (!row) break;
    SLUICE_ASSIGN_OR_RETURN(DeliveryRecord d, ReadDelivery(stmt));
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

namespace sqlite {

Status InsertDeliveries(Db& db, const std::vector<DeliveryRecord>& deliveries) {
  if (deliveries.empty()) return Status::Ok();
  SLUICE_ASSIGN_OR_RETURN(Statement * insert, db.Prepare(kInsertDelivery));
  for (const DeliveryRecord& d : deliveries) {
    Query q(*insert);
    q->Bind(1, d.created);
    q->Bind(2, d.event);
    q->Bind(3, d.notifier);
    q->Bind(4, d.dag_id);
    q->Bind(5, d.run_id);
    q->Bind(6, d.task_id);
    q->Bind(7, StoredMapIndex(d.map_index));
    q->Bind(8, d.subject_state);
    q->Bind(9, d.try_number);
    q->Bind(10, d.max_tries);
    q->Bind(11, d.logical_date);
    q->Bind(12, d.log_path);
    q->Bind(13, DeliveryStateName(d.state));
    q->Bind(14, d.attempts);
    q->Bind(15, d.next_attempt);
    q->Bind(16, d.last_attempt);
    q->Bind(17, d.last_error);
    q->Bind(18, d.detail);
    Status st = q->Run("");
    if (!st.ok()) {
      return st.WithContext("insert delivery of " + d.event + " to " + d.notifier + " for " +
                            d.dag_id + "/" + d.run_id);
    }
  }
  return Status::Ok();
}

}  // namespace sqlite

Result<std::vector<DeliveryRecord>> SqliteStore::DueDeliveries(TimePoint now, int limit) {
  SLUICE_ASSIGN_OR_RETURN(Statement * select,
                          db_->Prepare(std::string(kDeliveryColumns) +
                                       " WHERE state = 'pending' AND next_attempt_us <= ?1 "
                                       "ORDER BY next_attempt_us, id LIMIT ?2"));
  Query q(*select);
  q->Bind(1, now);
  q->Bind(2, limit);
  return ReadDeliveries(*q, "list due deliveries");
}

Status SqliteStore::RecordDeliveryAttempt(const DeliveryAttemptRecord& attempt, DeliveryState state,
                                          std::optional<TimePoint> next_attempt) {
  const std::string op = "record attempt " + std::to_string(attempt.number) + " of delivery " +
                         std::to_string(attempt.delivery_id);
  return InTransaction([&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(
        Statement * get,
        db_->Prepare("SELECT state, attempts FROM alert_deliveries WHERE id = ?1"));
    std::string current;
    int64_t attempts = 0;
    {
      Query q(*get);
      q->Bind(1, attempt.delivery_id);
      SLUICE_ASSIGN_OR_RETURN(bool row, q->Step(op));
      if (!row) return Status::NotFound(op + ": no such delivery");
      current = q->Text(0);
      attempts = q->Int(1);
    }
    if (current != "pending") {
      return Status::Conflict(op + ": the delivery is " + current + ", not pending");
    }
    if (attempt.number != attempts + 1) {
      return Status::Conflict(op + ": expected attempt " + std::to_string(attempts + 1));
    }
    SLUICE_ASSIGN_OR_RETURN(
        Statement * insert,
        db_->Prepare("INSERT INTO alert_delivery_attempts (delivery_id, number, time_us, ok, "
                     "http_status, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    {
      Query q(*insert);
      q->Bind(1, attempt.delivery_id);
      q->Bind(2, attempt.number);
      q->Bind(3, attempt.time);
      q->Bind(4, attempt.ok);
      q->Bind(5, attempt.http_status);
      q->Bind(6, attempt.error);
      SLUICE_RETURN_IF_ERROR(q->Run(op));
    }
    SLUICE_ASSIGN_OR_RETURN(
        Statement * update,
        db_->Prepare("UPDATE alert_deliveries SET state = ?1, attempts = ?2, "
                     "next_attempt_us = ?3, last_attempt_us = ?4, last_error = ?5 WHERE id = ?6"));
    Query q(*update);
    q->Bind(1, DeliveryStateName(state));
    q->Bind(2, attempt.number);
    q->Bind(3, state == DeliveryState::kPending ? next_attempt : std::nullopt);
    q->Bind(4, attempt.time);
    q->Bind(5, attempt.error);
    q->Bind(6, attempt.delivery_id);
    return q->Run(op);
  });
}

Result<std::vector<DeliveryRecord>> SqliteStore::ListDeliveries(const DeliveryFilter& filter) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement * select,
      db_->Prepare(std::string(kDeliveryColumns) +
                   " WHERE (?1 IS NULL OR dag_id = ?1) AND (?2 IS NULL OR state = ?2) "
                   "ORDER BY id DESC LIMIT ?3"));
  Query q(*select);
  if (filter.dag_id) {
    q->Bind(1, *filter.dag_id);
  } else {
    q->BindNull(1);
  }
  if (filter.state) {
    q->Bind(2, DeliveryStateName(*filter.state));
  } else {
    q->BindNull(2);
  }
  q->Bind(3, filter.limit ? *filter.limit : -1);
  return ReadDeliveries(*q, "list deliveries");
}

Result<std::vector<DeliveryAttemptRecord>> SqliteStore::ListDeliveryAttempts(int64_t delivery_id) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement * select,
      db_->Prepare("SELECT delivery_id, number, time_us, ok, http_status, error FROM "
                   "alert_delivery_attempts WHERE delivery_id = ?1 ORDER BY number"));
  Query q(*select);
  q->Bind(1, delivery_id);
  std::vector<DeliveryAttemptRecord> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row,
                            q->Step("list attempts of delivery " + std::to_string(delivery_id)));
    if (!row) break;
    DeliveryAttemptRecord a;
    a.delivery_id = q->Int(0);
    a.number = static_cast<int>(q->Int(1));
    a.time = q->Time(2);
    a.ok = q->Bool(3);
    a.http_status = q->OptionalInt(4);
    a.error = q->Text(5);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace sluice
