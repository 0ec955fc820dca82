// SqliteStore's reads. Each SELECT names its columns in the order its Read* function expects;
// state names are parsed back, and a name this build does not know is an error, not a guess.
#include <nlohmann/json.hpp>
#include <string>

#include "store/record_names.h"
#include "store/sqlite/sqlite_records.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice {
namespace {

using sqlite::ParsedOr;
using sqlite::Query;
using sqlite::ReadTaskInstance;
using sqlite::Statement;

constexpr const char* kDagColumns =
    "SELECT dag_id, file, hash, paused, deleted, errors_json, last_scheduled_us FROM dags";

DagRecord ReadDag(const Statement& s) {
  DagRecord d;
  d.dag_id = s.Text(0);
  d.file = s.Text(1);
  d.hash = s.Text(2);
  d.paused = s.Bool(3);
  d.deleted = s.Bool(4);
  d.errors_json = s.Text(5);
  d.last_scheduled = s.OptionalTime(6);
  return d;
}

constexpr const char* kRunColumns =
    "SELECT dag_id, run_id, type, state, logical_date_us, data_interval_start_us, "
    "data_interval_end_us, dag_hash, params_json, queued_at_us, start_us, end_us, sla_missed_us "
    "FROM runs";

Result<RunRecord> ReadRun(const Statement& s) {
  RunRecord r;
  r.dag_id = s.Text(0);
  r.run_id = s.Text(1);
  std::string where = "run " + r.dag_id + "/" + r.run_id;
  std::string type = s.Text(2);
  SLUICE_ASSIGN_OR_RETURN(r.type, ParsedOr(ParseRunType(type), type, where + " type"));
  std::string state = s.Text(3);
  SLUICE_ASSIGN_OR_RETURN(r.state, ParsedOr(ParseRunState(state), state, where + " state"));
  r.logical_date = s.Time(4);
  r.data_interval_start = s.Time(5);
  r.data_interval_end = s.Time(6);
  r.dag_hash = s.Text(7);
  r.params_json = s.Text(8);
  r.queued_at = s.Time(9);
  r.start = s.OptionalTime(10);
  r.end = s.OptionalTime(11);
  r.sla_missed_at = s.OptionalTime(12);
  return r;
}

// Attempts are read through their task instances: a task instance's attempts are the ids
// seq * 1048576 + 1 .. + 1048575 (0004_attempts_in_task_instance_order.sql), one range of the
// attempts' rowid B-tree.
constexpr const char* kAttemptColumns =
    "SELECT a.dag_id, a.run_id, a.task_id, a.map_index, a.try_number, a.state, a.start_us, "
    "a.end_us, a.exit_code, a.signal, a.timed_out, a.host, a.pid, a.log_path, a.error, "
    "a.kill_requested, a.log_note, a.long_running_us "
    "FROM task_instances t "
    "JOIN attempts a ON a.id BETWEEN t.seq * 1048576 + 1 AND t.seq * 1048576 + 1048575";

Result<AttemptRecord> ReadAttempt(const Statement& s) {
  AttemptRecord a;
  a.dag_id = s.Text(0);
  a.run_id = s.Text(1);
  a.task_id = s.Text(2);
  a.map_index = sqlite::MapIndexFromStored(s.Int(3));
  a.try_number = static_cast<int>(s.Int(4));
  std::string state = s.Text(5);
  SLUICE_ASSIGN_OR_RETURN(
      a.state, ParsedOr(ParseAttemptState(state), state,
                        "attempt " + TaskInstanceName(a.dag_id, a.run_id, a.task_id, a.map_index) +
                            " try " + std::to_string(a.try_number) + " state"));
  a.start = s.Time(6);
  a.end = s.OptionalTime(7);
  a.exit_code = s.OptionalInt(8);
  a.signal = s.OptionalInt(9);
  a.timed_out = s.Bool(10);
  a.host = s.Text(11);
  a.pid = s.Int(12);
  a.log_path = s.Text(13);
  a.error = s.Text(14);
  a.kill_requested = s.Bool(15);
  a.log_note = s.Text(16);
  a.long_running_at = s.OptionalTime(17);
  return a;
}

EventRecord ReadEvent(const Statement& s) {
  EventRecord e;
  e.id = s.Int(0);
  e.time = s.Time(1);
  e.dag_id = s.Text(2);
  e.run_id = s.Text(3);
  e.task_id = s.Text(4);
  e.map_index = sqlite::MapIndexFromStored(s.Int(5));
  e.kind = s.Text(6);
  e.from = s.Text(7);
  e.to = s.Text(8);
  e.detail = s.Text(9);
  return e;
}

// Wraps a reader that cannot fail so that SelectAll takes either kind.
template <typename Record>
auto Infallible(Record (*read)(const Statement&)) {
  return [read](const Statement& s) -> Result<Record> { return read(s); };
}

// Binds `args` as text to ?1..?N, steps through every row and decodes it with `read`.
template <typename ReadFn>
auto SelectAll(sqlite::Db& db, const std::string& sql, const std::vector<std::string>& args,
               const std::string& op, ReadFn read)
    -> Result<
        std::vector<std::remove_reference_t<decltype(read(std::declval<Statement&>()).value())>>> {
  using Record = std::remove_reference_t<decltype(read(std::declval<Statement&>()).value())>;
  SLUICE_ASSIGN_OR_RETURN(Statement * stmt, db.Prepare(sql));
  Query q(*stmt);
  for (size_t i = 0; i < args.size(); ++i) q->Bind(static_cast<int>(i + 1), args[i]);
  std::vector<Record> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step(op));
    if (!row) break;
    SLUICE_ASSIGN_OR_RETURN(Record record, read(*q));
    out.push_back(std::move(record));
  }
  return out;
}

template <typename Record>
std::optional<Record> First(std::vector<Record> rows) {
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

}  // namespace

Result<std::vector<DagRecord>> SqliteStore::ListDags() {
  return SelectAll(*db_, std::string(kDagColumns) + " ORDER BY dag_id", {}, "list dags",
                   Infallible(ReadDag));
}

Result<std::optional<DagRecord>> SqliteStore::GetDag(const std::string& dag_id) {
  SLUICE_ASSIGN_OR_RETURN(auto rows,
                          SelectAll(*db_, std::string(kDagColumns) + " WHERE dag_id = ?1", {dag_id},
                                    "get dag " + dag_id, Infallible(ReadDag)));
  return First(std::move(rows));
}

Result<std::optional<DagVersionRecord>> SqliteStore::GetDagVersion(const std::string& dag_id,
                                                                   const std::string& hash) {
  auto read = [](const Statement& s) -> Result<DagVersionRecord> {
    return DagVersionRecord{s.Text(0), s.Text(1), s.Text(2), s.Time(3)};
  };
  SLUICE_ASSIGN_OR_RETURN(
      auto rows, SelectAll(*db_,
                           "SELECT dag_id, hash, spec_json, created_us FROM dag_versions "
                           "WHERE dag_id = ?1 AND hash = ?2",
                           {dag_id, hash}, "get version " + hash + " of dag " + dag_id, read));
  return First(std::move(rows));
}

Result<std::vector<RunRecord>> SqliteStore::ListRuns(const RunFilter& filter) {
  // The SQL depends only on which filters are set (and how many states), so the statement
  // cache holds a handful of variants.
  std::string sql = kRunColumns;
  std::vector<std::string> args;
  std::string where;
  auto add = [&](const std::string& condition) {
    where += (where.empty() ? " WHERE " : " AND ") + condition;
  };
  if (filter.dag_id) {
    args.push_back(*filter.dag_id);
    add("dag_id = ?" + std::to_string(args.size()));
  }
  if (filter.state) {
    args.emplace_back(RunStateName(*filter.state));
    add("state = ?" + std::to_string(args.size()));
  }
  if (!filter.states.empty()) {
    std::string in;
    for (RunState s : filter.states) {
      args.emplace_back(RunStateName(s));
      in += (in.empty() ? "?" : ", ?") + std::to_string(args.size());
    }
    add("state IN (" + in + ")");
  }
  if (filter.since) {
    args.push_back(std::to_string(filter.since->time_since_epoch().count()));
    add("logical_date_us >= ?" + std::to_string(args.size()));
  }
  if (filter.after) {
    args.push_back(std::to_string(filter.after->logical_date.time_since_epoch().count()));
    const std::string d = "?" + std::to_string(args.size());
    args.push_back(filter.after->run_id);
    const std::string r = "?" + std::to_string(args.size());
    args.push_back(filter.after->dag_id);
    const std::string g = "?" + std::to_string(args.size());
    add("(logical_date_us < " + d + " OR (logical_date_us = " + d + " AND (run_id < " + r +
        " OR (run_id = " + r + " AND dag_id < " + g + "))))");
  }
  // LIMIT is bound, not spliced in, so each limit does not cache a statement of its own.
  // SQLite reads the text as an integer; -1 means no limit.
  args.push_back(std::to_string(filter.limit.value_or(-1)));
  sql += where + " ORDER BY logical_date_us DESC, run_id DESC, dag_id DESC LIMIT ?" +
         std::to_string(args.size());
  return SelectAll(*db_, sql, args, "list runs", ReadRun);
}

Result<std::optional<RunRecord>> SqliteStore::GetRun(const std::string& dag_id,
                                                     const std::string& run_id) {
  SLUICE_ASSIGN_OR_RETURN(
      auto rows, SelectAll(*db_, std::string(kRunColumns) + " WHERE dag_id = ?1 AND run_id = ?2",
                           {dag_id, run_id}, "get run " + dag_id + "/" + run_id, ReadRun));
  return First(std::move(rows));
}

Result<std::vector<TaskInstanceRecord>> SqliteStore::ListTaskInstances(const std::string& dag_id,
                                                                       const std::string& run_id) {
  return SelectAll(
      *db_,
      std::string(sqlite::kSelectTaskInstances) + " WHERE dag_id = ?1 AND run_id = ?2 ORDER BY seq",
      {dag_id, run_id}, "list task instances of " + dag_id + "/" + run_id, ReadTaskInstance);
}

Result<std::vector<AttemptRecord>> SqliteStore::ListAttempts(const std::string& dag_id,
                                                             const std::string& run_id,
                                                             const std::string& task_id) {
  std::string op = "list attempts of " + dag_id + "/" + run_id;
  if (task_id.empty()) {
    return SelectAll(*db_,
                     std::string(kAttemptColumns) +
                         " WHERE t.dag_id = ?1 AND t.run_id = ?2 "
                         "ORDER BY a.start_us, a.task_id, a.map_index, a.try_number",
                     {dag_id, run_id}, op, ReadAttempt);
  }
  return SelectAll(*db_,
                   std::string(kAttemptColumns) +
                       " WHERE t.dag_id = ?1 AND t.run_id = ?2 AND t.task_id = ?3 "
                       "ORDER BY t.map_index, a.id",
                   {dag_id, run_id, task_id}, op + "/" + task_id, ReadAttempt);
}

Result<std::vector<AttemptRecord>> SqliteStore::ListAttempts(const std::string& dag_id,
                                                             const std::string& run_id,
                                                             const std::string& task_id,
                                                             std::optional<int> map_index) {
  SLUICE_ASSIGN_OR_RETURN(Statement * stmt,
                          db_->Prepare(std::string(kAttemptColumns) +
                                       " WHERE t.dag_id = ?1 AND t.run_id = ?2 AND t.task_id = ?3 "
                                       "AND t.map_index = ?4 ORDER BY a.id"));
  Query q(*stmt);
  q->Bind(1, dag_id);
  q->Bind(2, run_id);
  q->Bind(3, task_id);
  q->Bind(4, sqlite::StoredMapIndex(map_index));
  const std::string op = "list attempts of " + TaskInstanceName(dag_id, run_id, task_id, map_index);
  std::vector<AttemptRecord> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step(op));
    if (!row) break;
    SLUICE_ASSIGN_OR_RETURN(AttemptRecord a, ReadAttempt(*q));
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::vector<AttemptRecord>> SqliteStore::ListRunningAttempts() {
  // Through the open runs (runs_by_state), their task instances and each one's attempts by
  // key: no index of running attempts to keep up in every commit, and no scan of history.
  return SelectAll(*db_,
                   std::string(kAttemptColumns) +
                       " JOIN runs r ON r.dag_id = t.dag_id AND r.run_id = t.run_id "
                       "WHERE r.state IN ('queued', 'running') AND a.state = 'running' "
                       "ORDER BY a.dag_id, a.run_id, a.task_id, a.map_index, a.try_number",
                   {}, "list running attempts", ReadAttempt);
}

Result<std::vector<AttemptRecord>> SqliteStore::RecentSuccesses(
    const std::vector<std::pair<std::string, std::string>>& tasks, int per_task) {
  if (tasks.empty() || per_task <= 0) return std::vector<AttemptRecord>{};
  // The tasks go in as one JSON array of [dag_id, task_id] pairs, so one statement (cached
  // once) serves any number of them.
  nlohmann::json wanted = nlohmann::json::array();
  for (const auto& [dag_id, task_id] : tasks) wanted.push_back({dag_id, task_id});
  return SelectAll(
      *db_,
      "SELECT dag_id, run_id, task_id, map_index, try_number, state, start_us, end_us, "
      "exit_code, signal, timed_out, host, pid, log_path, error, kill_requested, log_note, "
      "long_running_us FROM (SELECT a.*, ROW_NUMBER() OVER (PARTITION BY a.dag_id, a.task_id "
      "ORDER BY a.end_us DESC, a.id DESC) AS n FROM attempts a "
      "WHERE a.state = 'success' AND a.end_us IS NOT NULL AND (a.dag_id, a.task_id) IN "
      "(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?1))) "
      "WHERE n <= CAST(?2 AS INTEGER) ORDER BY dag_id, task_id, n",
      {wanted.dump(), std::to_string(per_task)}, "list recent successful attempts", ReadAttempt);
}

Result<std::vector<EventRecord>> SqliteStore::ListEvents(int64_t after_id, int limit) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement * stmt,
      db_->Prepare("SELECT id, time_us, dag_id, run_id, task_id, map_index, kind, from_state, "
                   "to_state, detail FROM events WHERE id > ?1 ORDER BY id LIMIT ?2"));
  Query q(*stmt);
  q->Bind(1, after_id);
  q->Bind(2, limit);
  std::vector<EventRecord> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step("list events"));
    if (!row) break;
    out.push_back(ReadEvent(*q));
  }
  return out;
}

}  // namespace sluice
