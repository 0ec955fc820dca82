// MemoryStore: each call locks its database and works on memory::Tables. Apply writes a batch in
// the SQLite store's order (sqlite_apply.cc) inside a Tables transaction, and rolls it back on
// the first error; the reads sort as the SQLite store's ORDER BY clauses do.
#include "tests/testing/memory_store.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "store/histogram_bounds.h"
#include "store/migrations.h"
#include "store/record_names.h"
#include "tests/testing/memory_tables.h"
#include "time/time_format.h"
#include "util/check.h"

namespace sluice {
namespace {

using memory::AttemptKey;
using memory::KeyOf;
using memory::RunKey;
using memory::StoredRun;
using memory::StoredTaskInstance;
using memory::Tables;
using memory::TaskInstanceKey;

// SQLite's texts for the schema's CHECK constraints on tries (migrations 0004 and 0005).
constexpr const char* kTaskInstanceTryCheck = "CHECK constraint failed: try_number >= 0";
constexpr const char* kAttemptTryCheck =
    "CHECK constraint failed: try_number BETWEEN 1 AND 1048575";
constexpr int kMaxTry = 1048575;

Status NotMigrated(const std::string& op) {
  return Status::Io(op + ": the store has no tables (schema version 0): run Migrate first");
}

// A map index is stored as -1 for none by the SQLite store, which refuses a negative one: so
// does this store, with the same messages.
Status CheckMapIndex(std::optional<int> map_index, const std::string& what) {
  if (!map_index || *map_index >= 0) return Status::Ok();
  return Status::Invalid(what + ": map_index " + std::to_string(*map_index) +
                         " is negative (an unmapped task has none)");
}

Status CheckMapIndexes(const WriteBatch& batch) {
  auto name = [](const auto& r) { return r.dag_id + "/" + r.run_id + "/" + r.task_id; };
  for (const TaskInstanceRecord& t : batch.task_instances) {
    SLUICE_RETURN_IF_ERROR(CheckMapIndex(t.map_index, "task instance " + name(t)));
  }
  for (const TaskTransition& t : batch.task_transitions) {
    SLUICE_RETURN_IF_ERROR(CheckMapIndex(t.to.map_index, "task instance " + name(t.to)));
  }
  for (const AttemptRecord& a : batch.attempts) {
    SLUICE_RETURN_IF_ERROR(
        CheckMapIndex(a.map_index, "attempt " + name(a) + " try " + std::to_string(a.try_number)));
  }
  for (const EventRecord& e : batch.events) {
    SLUICE_RETURN_IF_ERROR(CheckMapIndex(e.map_index, "event " + e.kind + " of " + name(e)));
  }
  return Status::Ok();
}

// `found` is the stored state, nullopt when the row is absent.
Status Conflict(const std::string& what, const char* expected,
                const std::optional<std::string>& found) {
  if (!found) {
    return Status::Conflict(what + ": expected state " + expected + ", but it does not exist");
  }
  return Status::Conflict(what + ": expected state " + expected + ", found " + *found);
}

std::string AttemptName(const AttemptRecord& a) {
  return "attempt " + TaskInstanceName(a.dag_id, a.run_id, a.task_id, a.map_index) + " try " +
         std::to_string(a.try_number);
}

Status ApplyRunTransition(Tables& db, const RunTransition& t) {
  const std::string what = "run " + t.to.dag_id + "/" + t.to.run_id;
  auto it = db.runs().find(KeyOf(t.to));
  if (it == db.runs().end()) return Conflict(what, RunStateName(t.from), std::nullopt);
  const RunState stored = it->second.record.state;
  if (stored != t.from) return Conflict(what, RunStateName(t.from), RunStateName(stored));
  db.SetRun(t.to);
  return Status::Ok();
}

Status ApplyTaskTransition(Tables& db, const TaskTransition& t) {
  const std::string what = "task instance " + TaskInstanceName(t.to);
  auto it = db.task_instances().find(KeyOf(t.to));
  if (it == db.task_instances().end()) return Conflict(what, TaskStateName(t.from), std::nullopt);
  const TaskState stored = it->second.record.state;
  if (stored != t.from) return Conflict(what, TaskStateName(t.from), TaskStateName(stored));
  // SQLite checks the row it updates, so only a transition that matched can break a constraint.
  if (t.to.try_number < 0) return Status::Io("update " + what + ": " + kTaskInstanceTryCheck);
  db.SetTaskInstance(t.to);
  return Status::Ok();
}

// The sections of `batch` in the SQLite store's order; the first error ends it (and the caller
// rolls back).
Status ApplyInTransaction(Tables& db, const WriteBatch& batch) {
  for (const DagRecord& d : batch.dags) {
    DagRecord row = d;
    auto it = db.dags().find(d.dag_id);
    row.paused = it != db.dags().end() && it->second.paused;  // only set_paused writes it
    db.SetDag(std::move(row));
  }
  for (const auto& [dag_id, paused] : batch.set_paused) {
    auto it = db.dags().find(dag_id);
    DagRecord row = it != db.dags().end() ? it->second : DagRecord{.dag_id = dag_id};
    row.paused = paused;
    db.SetDag(std::move(row));
  }
  for (const DagVersionRecord& v : batch.dag_versions) {
    // Versions are immutable: the first write of (dag_id, hash) wins.
    if (db.dag_versions().count({v.dag_id, v.hash}) == 0) db.SetDagVersion(v);
  }
  for (const RunRecord& r : batch.runs) db.SetRun(r);
  for (const TaskInstanceRecord& t : batch.task_instances) {
    if (t.try_number < 0) {
      return Status::Io("upsert task instance " + TaskInstanceName(t) + ": " +
                        kTaskInstanceTryCheck);
    }
    db.SetTaskInstance(t);
  }
  for (const RunTransition& t : batch.run_transitions) {
    SLUICE_RETURN_IF_ERROR(ApplyRunTransition(db, t));
  }
  for (const TaskTransition& t : batch.task_transitions) {
    SLUICE_RETURN_IF_ERROR(ApplyTaskTransition(db, t));
  }
  for (const AttemptRecord& a : batch.attempts) {
    // As the SQLite store's INSERT ... SELECT from the task instance: no task instance, no row
    // to check a constraint on.
    if (db.task_instances().count(KeyOf(a).first) == 0) {
      return Status::NotFound("upsert " + AttemptName(a) + ": no task instance " +
                              TaskInstanceName(a.dag_id, a.run_id, a.task_id, a.map_index));
    }
    if (a.try_number < 1 || a.try_number > kMaxTry) {
      return Status::Io("upsert " + AttemptName(a) + ": " + kAttemptTryCheck);
    }
    db.SetAttempt(a);
  }
  for (const EventRecord& e : batch.events) db.AppendEvent(e);
  for (const DeliveryRecord& d : batch.deliveries) db.AppendDelivery(d);
  for (const CommandRecord& c : batch.finished_commands) {
    const std::string op = "finish command " + std::to_string(c.id);
    if (c.id < 1 || c.id > static_cast<int64_t>(db.commands().size())) {
      return Status::NotFound(op + ": no such command");
    }
    CommandRecord row = db.commands()[c.id - 1];
    row.state = c.state;
    row.result = c.result;
    db.SetCommand(row);
  }
  return Status::Ok();
}

// The first entry of `map` whose key is not below `from`, and every one after it while `in`
// holds for its key.
template <typename Map, typename InRange, typename Visit>
void ForRange(const Map& map, const typename Map::key_type& from, InRange in, Visit visit) {
  for (auto it = map.lower_bound(from); it != map.end() && in(it->first); ++it) {
    visit(it->first, it->second);
  }
}

TaskInstanceKey FirstOfRun(const std::string& dag_id, const std::string& run_id) {
  return {dag_id, run_id, "", std::nullopt};
}

AttemptKey FirstAttemptOf(TaskInstanceKey key) {
  return {std::move(key), std::numeric_limits<int>::min()};
}

// The task instances of one run, in no particular order.
template <typename Visit>
void ForTaskInstancesOfRun(const Tables& db, const RunKey& run, Visit visit) {
  ForRange(
      db.task_instances(), FirstOfRun(run.dag_id, run.run_id),
      [&](const TaskInstanceKey& k) { return k.dag_id == run.dag_id && k.run_id == run.run_id; },
      [&](const TaskInstanceKey&, const StoredTaskInstance& t) { visit(t); });
}

}  // namespace

MemoryDatabase::MemoryDatabase() : tables_(std::make_unique<memory::Tables>()) {}
MemoryDatabase::~MemoryDatabase() = default;

MemoryStore::MemoryStore() : MemoryStore(std::make_shared<MemoryDatabase>()) {}

MemoryStore::MemoryStore(std::shared_ptr<MemoryDatabase> db) : db_(std::move(db)) {
  SLUICE_CHECK(db_ != nullptr, "a connection needs its database");
}

void MemoryStore::FailNextApply(Status status) {
  SLUICE_CHECK(!status.ok(), "an injected failure is an error");
  fault_ = InjectedFault::kNothingWritten;
  fault_status_ = std::move(status);
}

void MemoryStore::FailNextApplyAfterWriting(Status status) {
  SLUICE_CHECK(!status.ok(), "an injected failure is an error");
  fault_ = InjectedFault::kWritten;
  fault_status_ = std::move(status);
}

MemoryStore::Locked MemoryStore::LockAnyVersion() {
  return Locked{std::unique_lock<std::mutex>(db_->mu_), db_->tables_.get()};
}

Result<MemoryStore::Locked> MemoryStore::Lock(const std::string& op) {
  Locked locked = LockAnyVersion();
  if (locked.tables->schema_version == 0) return NotMigrated(op);
  return locked;
}

Result<int> MemoryStore::SchemaVersion() { return LockAnyVersion().tables->schema_version; }

int MemoryStore::LatestSchemaVersion() const { return SqliteMigrations().back().version; }

Status MemoryStore::Migrate() {
  Locked db = LockAnyVersion();
  // Every version's tables are the same maps here: migrating only records the version.
  db.tables->schema_version = std::max(db.tables->schema_version, LatestSchemaVersion());
  return Status::Ok();
}

Status MemoryStore::Check() {
  const int latest = LatestSchemaVersion();
  const int version = LockAnyVersion().tables->schema_version;
  if (version < latest) {
    return Status::Precondition("database schema is at version " + std::to_string(version) +
                                ", this build needs " + std::to_string(latest) +
                                ": run `sluice db migrate`");
  }
  return Status::Ok();
}

Status MemoryStore::Apply(const WriteBatch& batch) {
  ++apply_calls_;
  const InjectedFault fault = std::exchange(fault_, InjectedFault::kNone);
  if (fault == InjectedFault::kNothingWritten) return fault_status_;
  Status after = fault == InjectedFault::kWritten ? fault_status_ : Status::Ok();
  if (batch.empty()) return after;
  SLUICE_RETURN_IF_ERROR(CheckMapIndexes(batch));
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("apply a batch"));
  db.tables->Begin();
  Status st = ApplyInTransaction(*db.tables, batch);
  if (!st.ok()) {
    db.tables->Rollback();
    return st;
  }
  db.tables->Commit();
  return after;
}

Status MemoryStore::Housekeep() { return Status::Ok(); }

Result<std::vector<DagRecord>> MemoryStore::ListDags() {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list dags"));
  std::vector<DagRecord> out;
  for (const auto& [id, d] : db.tables->dags()) out.push_back(d);  // by dag_id
  return out;
}

Result<std::optional<DagRecord>> MemoryStore::GetDag(const std::string& dag_id) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("get dag " + dag_id));
  auto it = db.tables->dags().find(dag_id);
  if (it == db.tables->dags().end()) return std::optional<DagRecord>();
  return std::optional<DagRecord>(it->second);
}

Result<std::optional<DagVersionRecord>> MemoryStore::GetDagVersion(const std::string& dag_id,
                                                                   const std::string& hash) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("get version " + hash + " of dag " + dag_id));
  auto it = db.tables->dag_versions().find({dag_id, hash});
  if (it == db.tables->dag_versions().end()) return std::optional<DagVersionRecord>();
  return std::optional<DagVersionRecord>(it->second);
}

Result<std::vector<RunRecord>> MemoryStore::ListRuns(const RunFilter& filter) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list runs"));
  std::vector<const StoredRun*> rows;
  auto consider = [&](const RunKey&, const StoredRun& r) {
    const RunState state = r.record.state;
    if (filter.state && state != *filter.state) return;
    if (filter.since && r.record.logical_date < *filter.since) return;
    if (!filter.states.empty() &&
        std::find(filter.states.begin(), filter.states.end(), state) == filter.states.end()) {
      return;
    }
    rows.push_back(&r);
  };
  if (filter.dag_id) {
    ForRange(
        db.tables->runs(), RunKey{*filter.dag_id, ""},
        [&](const RunKey& k) { return k.dag_id == *filter.dag_id; }, consider);
  } else {
    for (const auto& [key, r] : db.tables->runs()) consider(key, r);
  }
  // Newest logical date first, then newest run id, then DAG id descending: a total order.
  auto key = [](const StoredRun* r) {
    return std::tie(r->record.logical_date, r->record.run_id, r->record.dag_id);
  };
  if (filter.after) {
    const auto& p = *filter.after;
    const auto bound = std::tie(p.logical_date, p.run_id, p.dag_id);
    std::erase_if(rows, [&](const StoredRun* r) { return !(key(r) < bound); });
  }
  std::sort(rows.begin(), rows.end(),
            [&](const StoredRun* a, const StoredRun* b) { return key(b) < key(a); });
  // As SQLite's LIMIT: a negative limit is none.
  if (filter.limit && *filter.limit >= 0 && rows.size() > static_cast<size_t>(*filter.limit)) {
    rows.resize(*filter.limit);
  }
  std::vector<RunRecord> out;
  out.reserve(rows.size());
  for (const StoredRun* r : rows) out.push_back(r->record);
  return out;
}

Result<std::optional<RunRecord>> MemoryStore::GetRun(const std::string& dag_id,
                                                     const std::string& run_id) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("get run " + dag_id + "/" + run_id));
  auto it = db.tables->runs().find({dag_id, run_id});
  if (it == db.tables->runs().end()) return std::optional<RunRecord>();
  return std::optional<RunRecord>(it->second.record);
}

Result<std::vector<TaskInstanceRecord>> MemoryStore::ListTaskInstances(const std::string& dag_id,
                                                                       const std::string& run_id) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list task instances of " + dag_id + "/" + run_id));
  std::vector<const StoredTaskInstance*> rows;
  ForTaskInstancesOfRun(*db.tables, {dag_id, run_id},
                        [&](const StoredTaskInstance& t) { rows.push_back(&t); });
  std::sort(rows.begin(), rows.end(), [](const StoredTaskInstance* a, const StoredTaskInstance* b) {
    return a->seq < b->seq;
  });
  std::vector<TaskInstanceRecord> out;
  out.reserve(rows.size());
  for (const StoredTaskInstance* t : rows) out.push_back(t->record);
  return out;
}

Result<std::vector<AttemptRecord>> MemoryStore::ListAttempts(const std::string& dag_id,
                                                             const std::string& run_id,
                                                             const std::string& task_id) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list attempts of " + dag_id + "/" + run_id));
  std::vector<AttemptRecord> out;
  auto add = [&](const AttemptKey&, const AttemptRecord& a) { out.push_back(a); };
  if (!task_id.empty()) {
    // The attempts map's order: map index (none first), then try.
    ForRange(
        db.tables->attempts(), FirstAttemptOf({dag_id, run_id, task_id, std::nullopt}),
        [&](const AttemptKey& k) {
          return k.first.dag_id == dag_id && k.first.run_id == run_id && k.first.task_id == task_id;
        },
        add);
    return out;
  }
  ForRange(
      db.tables->attempts(), FirstAttemptOf(FirstOfRun(dag_id, run_id)),
      [&](const AttemptKey& k) { return k.first.dag_id == dag_id && k.first.run_id == run_id; },
      add);
  std::sort(out.begin(), out.end(), [](const AttemptRecord& a, const AttemptRecord& b) {
    return std::tie(a.start, a.task_id, a.map_index, a.try_number) <
           std::tie(b.start, b.task_id, b.map_index, b.try_number);
  });
  return out;
}

Result<std::vector<AttemptRecord>> MemoryStore::ListAttempts(const std::string& dag_id,
                                                             const std::string& run_id,
                                                             const std::string& task_id,
                                                             std::optional<int> map_index) {
  const TaskInstanceKey key{dag_id, run_id, task_id, map_index};
  SLUICE_ASSIGN_OR_RETURN(
      Locked db, Lock("list attempts of " + TaskInstanceName(dag_id, run_id, task_id, map_index)));
  std::vector<AttemptRecord> out;
  ForRange(
      db.tables->attempts(), FirstAttemptOf(key),
      [&](const AttemptKey& k) { return k.first == key; },
      [&](const AttemptKey&, const AttemptRecord& a) { out.push_back(a); });
  return out;
}

Result<std::vector<AttemptRecord>> MemoryStore::ListRunningAttempts() {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list running attempts"));
  std::vector<AttemptRecord> out;
  // Open runs by key, each run's attempts by key: the order of (dag, run, task, map index, try).
  for (const RunKey& run : db.tables->open_runs()) {
    ForRange(
        db.tables->attempts(), FirstAttemptOf(FirstOfRun(run.dag_id, run.run_id)),
        [&](const AttemptKey& k) {
          return k.first.dag_id == run.dag_id && k.first.run_id == run.run_id;
        },
        [&](const AttemptKey&, const AttemptRecord& a) {
          if (a.state == AttemptState::kRunning) out.push_back(a);
        });
  }
  return out;
}

Result<std::vector<EventRecord>> MemoryStore::ListEvents(int64_t after_id, int limit) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list events"));
  const std::vector<EventRecord>& events = db.tables->events();
  std::vector<EventRecord> out;
  // Event i is at [i - 1]: those after `after_id` start at [after_id]. A negative limit is none.
  for (size_t i = static_cast<size_t>(std::max<int64_t>(after_id, 0));
       i < events.size() && (limit < 0 || out.size() < static_cast<size_t>(limit)); ++i) {
    out.push_back(events[i]);
  }
  return out;
}

Result<std::vector<TaskInstanceRecord>> MemoryStore::ClaimQueued(const std::string& executor,
                                                                 int limit, TimePoint lease_until,
                                                                 TimePoint now) {
  const std::string op = "claim queued task instances for " +
                         (executor.empty() ? std::string("an executor") : executor);
  if (executor.empty()) return Status::Invalid(op + ": the executor's name is empty");
  if (limit < 1) {
    return Status::Invalid(op + ": limit " + std::to_string(limit) + " is below 1");
  }
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock(op));
  std::vector<TaskInstanceKey> oldest;
  for (const auto& [order, key] : db.tables->queue()) {
    if (oldest.size() == static_cast<size_t>(limit)) break;
    oldest.push_back(key);
  }
  std::vector<TaskInstanceRecord> claimed;
  for (const TaskInstanceKey& key : oldest) {
    TaskInstanceRecord t = db.tables->task_instances().at(key).record;
    t.state = TaskState::kRunning;
    t.owner = executor;
    t.lease_until = lease_until;
    db.tables->SetTaskInstance(t);
    db.tables->AppendEvent(
        EventRecord{.time = now,
                    .dag_id = t.dag_id,
                    .run_id = t.run_id,
                    .task_id = t.task_id,
                    .map_index = t.map_index,
                    .kind = "task_state",
                    .from = TaskStateName(TaskState::kQueued),
                    .to = TaskStateName(TaskState::kRunning),
                    .detail = "claimed by " + executor + " until " + FormatIsoUtc(lease_until)});
    claimed.push_back(std::move(t));
  }
  return claimed;
}

Result<int> MemoryStore::RenewLeases(const std::string& executor, TimePoint lease_until) {
  if (executor.empty()) return Status::Invalid("renew leases: the executor's name is empty");
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("renew the leases of " + executor));
  std::vector<TaskInstanceRecord> held;
  for (const RunKey& run : db.tables->open_runs()) {
    ForTaskInstancesOfRun(*db.tables, run, [&](const StoredTaskInstance& t) {
      if (t.record.state == TaskState::kRunning && t.record.owner == executor) {
        held.push_back(t.record);
      }
    });
  }
  for (TaskInstanceRecord& t : held) {
    t.lease_until = lease_until;
    db.tables->SetTaskInstance(t);
  }
  return static_cast<int>(held.size());
}

Result<std::vector<TaskInstanceRecord>> MemoryStore::ListExpiredLeases(TimePoint now) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list expired leases"));
  std::vector<const StoredTaskInstance*> expired;
  for (const RunKey& run : db.tables->open_runs()) {
    ForTaskInstancesOfRun(*db.tables, run, [&](const StoredTaskInstance& t) {
      const TaskInstanceRecord& r = t.record;
      if (r.state == TaskState::kRunning && !r.owner.empty() && r.lease_until &&
          *r.lease_until < now) {
        expired.push_back(&t);
      }
    });
  }
  std::sort(
      expired.begin(), expired.end(), [](const StoredTaskInstance* a, const StoredTaskInstance* b) {
        return std::tie(*a->record.lease_until, a->seq) < std::tie(*b->record.lease_until, b->seq);
      });
  std::vector<TaskInstanceRecord> out;
  out.reserve(expired.size());
  for (const StoredTaskInstance* t : expired) out.push_back(t->record);
  return out;
}

Result<int64_t> MemoryStore::EnqueueCommand(const CommandRecord& command) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("enqueue command " + command.kind));
  return db.tables->AppendCommand(CommandRecord{.created = command.created,
                                                .kind = command.kind,
                                                .args_json = command.args_json,
                                                .state = "pending",
                                                .result = ""});
}

Result<std::vector<CommandRecord>> MemoryStore::PendingCommands() {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list pending commands"));
  std::vector<CommandRecord> out;
  for (const CommandRecord& c : db.tables->commands()) {
    if (c.state == "pending") out.push_back(c);
  }
  return out;
}

Result<std::optional<CommandRecord>> MemoryStore::GetCommand(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("get command " + std::to_string(id)));
  const std::vector<CommandRecord>& commands = db.tables->commands();
  if (id < 1 || id > static_cast<int64_t>(commands.size())) return std::optional<CommandRecord>();
  return std::optional<CommandRecord>(commands[id - 1]);
}

Result<std::vector<DeliveryRecord>> MemoryStore::DueDeliveries(TimePoint now, int limit) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list due deliveries"));
  std::vector<DeliveryRecord> out;
  for (const DeliveryRecord& d : db.tables->deliveries()) {
    if (d.state == DeliveryState::kPending && d.next_attempt && *d.next_attempt <= now) {
      out.push_back(d);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const DeliveryRecord& a, const DeliveryRecord& b) {
    return *a.next_attempt < *b.next_attempt;
  });
  if (limit >= 0 && out.size() > static_cast<size_t>(limit)) out.resize(limit);
  return out;
}

Status MemoryStore::RecordDeliveryAttempt(const DeliveryAttemptRecord& attempt, DeliveryState state,
                                          std::optional<TimePoint> next_attempt) {
  const std::string op = "record attempt " + std::to_string(attempt.number) + " of delivery " +
                         std::to_string(attempt.delivery_id);
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock(op));
  const auto& rows = db.tables->deliveries();
  if (attempt.delivery_id < 1 || attempt.delivery_id > static_cast<int64_t>(rows.size())) {
    return Status::NotFound(op + ": no such delivery");
  }
  DeliveryRecord row = rows[attempt.delivery_id - 1];
  if (row.state != DeliveryState::kPending) {
    return Status::Conflict(op + ": the delivery is " + DeliveryStateName(row.state) +
                            ", not pending");
  }
  if (attempt.number != row.attempts + 1) {
    return Status::Conflict(op + ": expected attempt " + std::to_string(row.attempts + 1));
  }
  row.state = state;
  row.attempts = attempt.number;
  row.next_attempt = state == DeliveryState::kPending ? next_attempt : std::nullopt;
  row.last_attempt = attempt.time;
  row.last_error = attempt.error;
  db.tables->SetDelivery(row);
  db.tables->AppendDeliveryAttempt(attempt);
  return Status::Ok();
}

Result<std::vector<DeliveryRecord>> MemoryStore::ListDeliveries(const DeliveryFilter& filter) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list deliveries"));
  std::vector<DeliveryRecord> out;
  const auto& rows = db.tables->deliveries();
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (filter.dag_id && it->dag_id != *filter.dag_id) continue;
    if (filter.state && it->state != *filter.state) continue;
    if (filter.limit && *filter.limit >= 0 && out.size() >= static_cast<size_t>(*filter.limit)) {
      break;
    }
    out.push_back(*it);
  }
  return out;
}

Result<std::vector<AttemptRecord>> MemoryStore::RecentSuccesses(
    const std::vector<std::pair<std::string, std::string>>& tasks, int per_task) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list recent successful attempts"));
  const std::set<std::pair<std::string, std::string>> wanted(tasks.begin(), tasks.end());
  std::map<std::pair<std::string, std::string>, std::vector<AttemptRecord>> by_task;
  for (const auto& [key, a] : db.tables->attempts()) {
    if (a.state != AttemptState::kSuccess || !a.end) continue;
    if (wanted.count({a.dag_id, a.task_id}) != 0) by_task[{a.dag_id, a.task_id}].push_back(a);
  }
  std::vector<AttemptRecord> out;
  for (auto& [task, list] : by_task) {
    std::stable_sort(list.begin(), list.end(), [](const AttemptRecord& x, const AttemptRecord& y) {
      return *x.end > *y.end;
    });
    if (per_task > 0 && list.size() > static_cast<size_t>(per_task)) {
      list.resize(static_cast<size_t>(per_task));
    }
    if (per_task > 0) out.insert(out.end(), list.begin(), list.end());
  }
  return out;
}

Result<std::vector<DeliveryAttemptRecord>> MemoryStore::ListDeliveryAttempts(int64_t delivery_id) {
  SLUICE_ASSIGN_OR_RETURN(Locked db,
                          Lock("list attempts of delivery " + std::to_string(delivery_id)));
  auto it = db.tables->delivery_attempts().find(delivery_id);
  if (it == db.tables->delivery_attempts().end()) return std::vector<DeliveryAttemptRecord>();
  return it->second;
}

namespace {

// Counts rows by (dag, state), ordered as the SQLite store's GROUP BY ... ORDER BY dag_id, state.
template <typename Rows, typename StateOf>
std::vector<Store::StateCount> CountByState(const Rows& rows, StateOf state_of) {
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  for (const auto& [key, row] : rows) ++counts[state_of(row)];
  std::vector<Store::StateCount> out;
  for (const auto& [group, n] : counts) out.push_back({group.first, group.second, n});
  return out;
}

}  // namespace

Result<std::vector<Store::StateCount>> MemoryStore::CountRunsByState() {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("count runs by state"));
  return CountByState(db.tables->runs(), [](const StoredRun& r) {
    return std::make_pair(r.record.dag_id, std::string(RunStateName(r.record.state)));
  });
}

Result<std::vector<Store::StateCount>> MemoryStore::CountTaskInstancesByState() {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("count task instances by state"));
  return CountByState(db.tables->task_instances(), [](const StoredTaskInstance& t) {
    return std::make_pair(t.record.dag_id, std::string(TaskStateName(t.record.state)));
  });
}

Result<std::vector<Store::DurationHistogram>> MemoryStore::AttemptDurations(
    const std::vector<Duration>& bounds) {
  SLUICE_RETURN_IF_ERROR(CheckHistogramBounds(bounds));
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("read attempt durations"));
  std::map<std::string, DurationHistogram> by_dag;
  for (const auto& [key, a] : db.tables->attempts()) {
    if (a.state == AttemptState::kRunning || !a.end) continue;
    const Duration d = std::max(*a.end - a.start, Duration::zero());
    auto [it, added] = by_dag.try_emplace(a.dag_id);
    DurationHistogram& h = it->second;
    if (added) {
      h.dag_id = a.dag_id;
      h.cumulative.assign(bounds.size(), 0);
    }
    ++h.count;
    h.sum += d;
    for (size_t i = 0; i < bounds.size(); ++i) {
      if (d <= bounds[i]) ++h.cumulative[i];
    }
  }
  std::vector<DurationHistogram> out;
  for (auto& [dag_id, h] : by_dag) out.push_back(std::move(h));
  return out;
}

}  // namespace sluice
