#pragma once
// An in-memory Store for tests: the scheduler's planner and driver tests run on it in simulated
// time, without SQLite, a file or a commit that costs a millisecond. It implements the whole
// Store interface (sluice/store.h) with the SQLite store's semantics, the same messages
// included, and runs the same conformance suite (memory_store_test.cc); where it differs, the
// difference is listed under MemoryStore.
//
// A MemoryDatabase is what a database file is to SQLite: the state that any number of
// MemoryStore connections share. It is held by shared_ptr, the one shared ownership here: the
// test and each connection keep it alive, so a scheduler restarted on a new connection finds
// what the old one committed, and a CLI-side connection sees the scheduler's commits. There is
// no process-wide registry of names: a second connection is opened on the same MemoryDatabase
// (MemoryStore(store.database())), so tests never share state by accident.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sluice/store.h"

namespace sluice {

namespace memory {
class Tables;
}  // namespace memory

// The shared state of one in-memory database. Empty and at schema version 0 when created;
// Migrate (on any connection) brings it to the latest version. Thread-safe: each Store call of
// each connection runs under its mutex, as one transaction.
class MemoryDatabase {
 public:
  MemoryDatabase();
  ~MemoryDatabase();
  MemoryDatabase(const MemoryDatabase&) = delete;
  MemoryDatabase& operator=(const MemoryDatabase&) = delete;

 private:
  friend class MemoryStore;
  std::mutex mu_;
  std::unique_ptr<memory::Tables> tables_;  // guarded by mu_
};

// One connection to a MemoryDatabase. Like any Store, a MemoryStore is used from one thread at a
// time; connections to one database may be used from different threads at once, and each call
// sees every call that returned before it (on any connection) and none that had not started.
//
// Where the SQLite store's behaviour is not the interface's but a test could notice it, this
// store copies it: constraint failures (an attempt's try outside 1..1048575, a negative
// try_number) fail the batch with kIoError and SQLite's "CHECK constraint failed: ..."; ListRuns
// orders runs that tie on date and run id (one schedule in two DAGs) as SQLite's query plan
// does; a negative limit is none; event ids a failed batch had taken are used again.
// What differs, deliberately:
// - Housekeep does nothing, and Check has no integrity check to run: only the schema version.
// - Before Migrate, every call but SchemaVersion, Migrate, Check, Housekeep and an Apply of an
//   empty batch fails with kIoError and "OP: the store has no tables (schema version 0): run
//   Migrate first", where SQLite names the missing table ("no such table: runs").
// - Every call holds the database's mutex, readers included (SQLite's WAL lets them run beside
//   a writer): calls are short, so none waits long, and there is no busy timeout to reach.
class MemoryStore final : public Store {
 public:
  // A connection to a new, empty database of its own (database() opens more).
  MemoryStore();
  // A connection to `db`. Never null.
  explicit MemoryStore(std::shared_ptr<MemoryDatabase> db);

  // The database this connection uses, to open another connection to it.
  const std::shared_ptr<MemoryDatabase>& database() const { return db_; }

  // Fault injection for driver tests. The next Apply on this connection (empty batch or not)
  // returns `status`, which must not be ok, and writes nothing: as a commit the disk refused.
  // Later calls work again. Calling it twice before an Apply keeps the second status.
  void FailNextApply(Status status);
  // Like FailNextApply, but the batch is written (visible to every connection) before `status`
  // is returned: a commit whose outcome the caller cannot know, as the SQLite store reports an
  // fsync that failed after the commit reached the log (durability: full).
  void FailNextApplyAfterWriting(Status status);
  // Apply calls on this connection so far: ok, failed and injected, empty batches included.
  int apply_calls() const { return apply_calls_; }

  Result<int> SchemaVersion() override;
  int LatestSchemaVersion() const override;
  Status Migrate() override;
  Status Check() override;

  Status Apply(const WriteBatch& batch) override;
  Status Housekeep() override;

  Result<std::vector<DagRecord>> ListDags() override;
  Result<std::optional<DagRecord>> GetDag(const std::string& dag_id) override;
  Result<std::optional<DagVersionRecord>> GetDagVersion(const std::string& dag_id,
                                                        const std::string& hash) override;
  Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter) override;
  Result<std::optional<RunRecord>> GetRun(const std::string& dag_id,
                                          const std::string& run_id) override;
  Result<std::vector<TaskInstanceRecord>> ListTaskInstances(const std::string& dag_id,
                                                            const std::string& run_id) override;
  Result<std::vector<AttemptRecord>> ListAttempts(const std::string& dag_id,
                                                  const std::string& run_id,
                                                  const std::string& task_id) override;
  Result<std::vector<AttemptRecord>> ListAttempts(const std::string& dag_id,
                                                  const std::string& run_id,
                                                  const std::string& task_id,
                                                  std::optional<int> map_index) override;
  Result<std::vector<AttemptRecord>> ListRunningAttempts() override;
  Result<std::vector<EventRecord>> ListEvents(int64_t after_id, int limit) override;

  Result<std::vector<TaskInstanceRecord>> ClaimQueued(const std::string& executor, int limit,
                                                      TimePoint lease_until,
                                                      TimePoint now) override;
  Result<int> RenewLeases(const std::string& executor, TimePoint lease_until) override;
  Result<std::vector<TaskInstanceRecord>> ListExpiredLeases(TimePoint now) override;

  Result<int64_t> EnqueueCommand(const CommandRecord& command) override;
  Result<std::vector<CommandRecord>> PendingCommands() override;
  Result<std::optional<CommandRecord>> GetCommand(int64_t id) override;

  Result<std::vector<DeliveryRecord>> DueDeliveries(TimePoint now, int limit) override;
  Status RecordDeliveryAttempt(const DeliveryAttemptRecord& attempt, DeliveryState state,
                               std::optional<TimePoint> next_attempt) override;
  Result<std::vector<DeliveryRecord>> ListDeliveries(const DeliveryFilter& filter) override;
  Result<std::vector<AttemptRecord>> RecentSuccesses(
      const std::vector<std::pair<std::string, std::string>>& tasks, int per_task) override;
  Result<std::vector<DeliveryAttemptRecord>> ListDeliveryAttempts(int64_t delivery_id) override;

  Status CreateUser(const UserRecord& user) override;
  Result<std::optional<UserRecord>> GetUser(const std::string& name) override;
  Result<std::vector<UserRecord>> ListUsers() override;
  Status DeleteUser(const std::string& name) override;
  Status SetUserPassword(const std::string& name, const std::string& password_hash) override;
  Status SetUserRole(const std::string& name, const std::string& role) override;
  Status SetUserLastLogin(const std::string& name, TimePoint when) override;
  Result<int64_t> CreateApiToken(const ApiTokenRecord& token) override;
  Result<std::vector<ApiTokenRecord>> ListApiTokens(const std::string& user) override;
  Result<std::optional<ApiTokenRecord>> FindApiToken(const std::string& token_hash) override;
  Status RevokeApiToken(int64_t id) override;
  Status SetApiTokenLastUsed(int64_t id, TimePoint when) override;
  Status CreateSession(const SessionRecord& session) override;
  Result<std::optional<SessionRecord>> GetSession(const std::string& id_hash) override;
  Status DeleteSession(const std::string& id_hash) override;
  Result<int> DeleteExpiredSessions(TimePoint now) override;

  Result<std::vector<StateCount>> CountRunsByState() override;
  Result<std::vector<StateCount>> CountTaskInstancesByState() override;
  Result<std::vector<DurationHistogram>> AttemptDurations(
      const std::vector<Duration>& bounds) override;

 private:
  enum class InjectedFault { kNone, kNothingWritten, kWritten };

  // The database's tables, locked for the lifetime of the returned lock: one call's
  // transaction. Fails, as the SQLite store would, before the schema exists (op names the call).
  struct Locked {
    std::unique_lock<std::mutex> lock;
    memory::Tables* tables;
  };
  Result<Locked> Lock(const std::string& op);
  // The same at any schema version, for the schema's own calls.
  Locked LockAnyVersion();

  std::shared_ptr<MemoryDatabase> db_;
  InjectedFault fault_ = InjectedFault::kNone;
  Status fault_status_;
  int apply_calls_ = 0;
};

}  // namespace sluice
