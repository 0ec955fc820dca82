// SqliteStore's aggregates for /metrics: each one GROUP BY query, so SQLite counts the rows and
// only one row per group comes back, however long the history.
#include <string>

#include "store/histogram_bounds.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice {
namespace {

using sqlite::Query;
using sqlite::Statement;

Result<std::vector<Store::StateCount>> CountByState(sqlite::Db& db, const char* sql,
                                                    const char* op) {
  SLUICE_ASSIGN_OR_RETURN(Statement * stmt, db.Prepare(sql));
  Query q(*stmt);
  std::vector<Store::StateCount> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step(op));
    if (!row) break;
    out.push_back({q->Text(0), q->Text(1), q->Int(2)});
  }
  return out;
}

}  // namespace

Result<std::vector<Store::StateCount>> SqliteStore::CountRunsByState() {
  return CountByState(*db_,
                      "SELECT dag_id, state, COUNT(*) FROM runs GROUP BY dag_id, state "
                      "ORDER BY dag_id, state",
                      "count runs by state");
}

Result<std::vector<Store::StateCount>> SqliteStore::CountTaskInstancesByState() {
  return CountByState(*db_,
                      "SELECT dag_id, state, COUNT(*) FROM task_instances GROUP BY dag_id, state "
                      "ORDER BY dag_id, state",
                      "count task instances by state");
}

// One row per DAG: its count, its sum and one cumulative count per bound, each a SUM over a
// comparison (1 or 0). The statement's text depends only on how many bounds there are, so the
// cache keeps one statement for the one set of bounds a process uses.
Result<std::vector<Store::DurationHistogram>> SqliteStore::AttemptDurations(
    const std::vector<Duration>& bounds) {
  SLUICE_RETURN_IF_ERROR(CheckHistogramBounds(bounds));
  std::string sql = "SELECT dag_id, COUNT(*), SUM(d)";
  for (size_t i = 0; i < bounds.size(); ++i) sql += ", SUM(d <= ?" + std::to_string(i + 1) + ")";
  sql +=
      " FROM (SELECT dag_id, MAX(end_us - start_us, 0) AS d FROM attempts "
      "WHERE state <> 'running' AND end_us IS NOT NULL) GROUP BY dag_id ORDER BY dag_id";
  SLUICE_ASSIGN_OR_RETURN(Statement * stmt, db_->Prepare(sql));
  Query q(*stmt);
  for (size_t i = 0; i < bounds.size(); ++i) {
    q->Bind(static_cast<int>(i + 1), static_cast<int64_t>(bounds[i].count()));
  }
  std::vector<DurationHistogram> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step("read attempt durations"));
    if (!row) break;
    DurationHistogram h;
    h.dag_id = q->Text(0);
    h.count = q->Int(1);
    h.sum = Duration(q->Int(2));
    h.cumulative.reserve(bounds.size());
    for (size_t i = 0; i < bounds.size(); ++i)
      h.cumulative.push_back(q->Int(static_cast<int>(i) + 3));
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace sluice
