#pragma once
// The SQLite backend of Store (sluice/store.h). One connection per SqliteStore; statements are
// prepared once and cached. Apply runs in BEGIN IMMEDIATE ... COMMIT, so a second process (the
// CLI) waits on the busy timeout instead of failing, and a reader never blocks (WAL).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sluice/store.h"
#include "store/sqlite/sqlite_db.h"

namespace sluice {

struct Migration;

// How the SQLite store opens its database. OpenSqliteStore(path, durable_full) in sluice/store.h
// is the production way, with the defaults below; tests set the rest.
struct SqliteStoreOptions {
  bool durable_full = false;  // synchronous=FULL instead of NORMAL
  // The name of a registered VFS to open the database on; nullptr is SQLite's default, which
  // is what the store always uses. Only tests set it (a VFS that fails writes on purpose).
  const char* vfs = nullptr;
  // Housekeep checkpoints once the write-ahead log holds this many pages; a commit that takes
  // it to busy_checkpoint_pages checkpoints at once (see sqlite_store.cc).
  int idle_checkpoint_pages = 4096;
  int busy_checkpoint_pages = 8192;
};

Result<std::unique_ptr<Store>> OpenSqliteStoreWithOptions(const std::string& path,
                                                          const SqliteStoreOptions& options);

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<sqlite::Db> db, const SqliteStoreOptions& options);

  Result<int> SchemaVersion() override;
  int LatestSchemaVersion() const override;
  Status Migrate() override;
  Status Check() override;
  Result<StoreReport> Inspect() override;
  Status QuickCheck() override;

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
  // Inspect(); with `stop_at_schema`, a schema finding is returned without the integrity check.
  Result<StoreReport> InspectSchemaThenFile(bool stop_at_schema);
  // What repairs a damaged database file: the commands, with the scheduler stopped first.
  std::string RepairStep() const;
  // Runs `body` in BEGIN IMMEDIATE ... COMMIT; on any error rolls back and returns it.
  Status InTransaction(const std::function<Status()>& body);
  Status ApplyInTransaction(const WriteBatch& batch);
  // Runs one migration and records it in schema_version, inside the caller's transaction.
  Status ApplyMigration(const Migration& m);

  // SQLite's wal_hook: after each commit, with the write-ahead log's size in pages.
  static int OnWalCommit(void* self, sqlite3* db, const char* schema, int pages);

  std::unique_ptr<sqlite::Db> db_;
  const int idle_checkpoint_pages_;
  const int busy_checkpoint_pages_;
  int wal_pages_ = 0;  // in the write-ahead log at the last commit
};

}  // namespace sluice
