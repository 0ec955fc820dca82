#pragma once
// The rows of an in-memory database (MemoryDatabase, memory_store.h) and the two indexes the
// SQLite schema keeps for the same reasons: open runs, and queued task instances in the order
// they became queued. Every write goes through a Set* method, which keeps the indexes and, in a
// transaction, logs how to undo it: Rollback restores every row, index and counter as they were
// at Begin, so a failed batch leaves nothing behind. Not thread-safe: MemoryDatabase's mutex
// guards it.

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sluice/store.h"

namespace sluice::memory {

struct RunKey {
  std::string dag_id;
  std::string run_id;
  auto operator<=>(const RunKey&) const = default;
};

// Orders as SQLite's (dag_id, run_id, task_id, map_index) with map_index -1 for none: nullopt
// sorts before 0.
struct TaskInstanceKey {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  std::optional<int> map_index;
  auto operator<=>(const TaskInstanceKey&) const = default;
};

// An attempt is stored under its task instance, by try.
using AttemptKey = std::pair<TaskInstanceKey, int>;

struct StoredRun {
  RunRecord record;
  int64_t rowid = 0;  // first insertion order, kept across upserts: the tie-break of ListRuns
};

struct StoredTaskInstance {
  TaskInstanceRecord record;
  int64_t seq = 0;  // first insertion order, kept across upserts (ListTaskInstances)
  // While queued: its place in the queue (ClaimQueued takes the smallest first); 0 otherwise.
  int64_t queued_order = 0;
};

RunKey KeyOf(const RunRecord& r);
TaskInstanceKey KeyOf(const TaskInstanceRecord& t);
AttemptKey KeyOf(const AttemptRecord& a);

class Tables {
 public:
  // Schema version: 0 until Migrate; no row may be read or written at 0.
  int schema_version = 0;

  const std::map<std::string, DagRecord>& dags() const { return dags_; }
  const std::map<std::pair<std::string, std::string>, DagVersionRecord>& dag_versions() const {
    return dag_versions_;
  }
  const std::map<RunKey, StoredRun>& runs() const { return runs_; }
  const std::map<TaskInstanceKey, StoredTaskInstance>& task_instances() const {
    return task_instances_;
  }
  const std::map<AttemptKey, AttemptRecord>& attempts() const { return attempts_; }
  const std::vector<EventRecord>& events() const { return events_; }        // event id i at [i - 1]
  const std::vector<CommandRecord>& commands() const { return commands_; }  // id i at [i - 1]
  const std::vector<DeliveryRecord>& deliveries() const { return deliveries_; }  // id i at [i - 1]
  // A delivery's attempts, by delivery id, oldest first.
  const std::map<int64_t, std::vector<DeliveryAttemptRecord>>& delivery_attempts() const {
    return delivery_attempts_;
  }
  // Users, API tokens (by id) and sessions (by id hash). Their store calls each change them
  // outside any Apply transaction, checking before writing, so they are plain maps that those
  // calls write directly (nothing to undo).
  std::map<std::string, UserRecord>& users() { return users_; }
  std::map<int64_t, ApiTokenRecord>& api_tokens() { return api_tokens_; }
  std::map<std::string, SessionRecord>& sessions() { return sessions_; }
  // The id of the next API token: as SQLite's AUTOINCREMENT, never one used before.
  int64_t NextApiTokenId() { return ++last_api_token_id_; }
  const std::set<RunKey>& open_runs() const { return open_runs_; }            // queued or running
  const std::map<int64_t, TaskInstanceKey>& queue() const { return queue_; }  // by queued_order

  // Writes, each undone by Rollback. A run or task instance written for the first time gets
  // the next rowid or seq; one that becomes queued goes to the end of the queue (as the SQLite
  // store's queued_order), one that stays queued keeps its place.
  void SetDag(DagRecord d);
  void SetDagVersion(DagVersionRecord v);
  void SetRun(const RunRecord& r);
  void SetTaskInstance(const TaskInstanceRecord& t);
  void SetAttempt(const AttemptRecord& a);
  // Appends `e` with the next id (the highest so far plus one, as SQLite's rowid) and returns it.
  int64_t AppendEvent(EventRecord e);
  int64_t AppendCommand(CommandRecord c);
  void SetCommand(const CommandRecord& c);  // an existing id
  int64_t AppendDelivery(DeliveryRecord d);
  void SetDelivery(const DeliveryRecord& d);  // an existing id
  void AppendDeliveryAttempt(const DeliveryAttemptRecord& a);

  // A transaction: every Set* from Begin to Commit or Rollback is undone by Rollback.
  void Begin();
  void Commit();
  void Rollback();

 private:
  // Logs `restore` when a transaction is open.
  void OnUndo(std::function<void()> restore);
  // Writes without logging, keeping the indexes; nullopt erases.
  void PutRun(const RunKey& key, std::optional<StoredRun> row);
  void PutTaskInstance(const TaskInstanceKey& key, std::optional<StoredTaskInstance> row);

  std::map<std::string, DagRecord> dags_;
  std::map<std::pair<std::string, std::string>, DagVersionRecord> dag_versions_;
  std::map<RunKey, StoredRun> runs_;
  std::map<TaskInstanceKey, StoredTaskInstance> task_instances_;
  std::map<AttemptKey, AttemptRecord> attempts_;
  std::vector<EventRecord> events_;
  std::vector<CommandRecord> commands_;
  std::vector<DeliveryRecord> deliveries_;
  std::map<int64_t, std::vector<DeliveryAttemptRecord>> delivery_attempts_;
  std::map<std::string, UserRecord> users_;
  std::map<int64_t, ApiTokenRecord> api_tokens_;
  std::map<std::string, SessionRecord> sessions_;
  int64_t last_api_token_id_ = 0;
  std::set<RunKey> open_runs_;
  std::map<int64_t, TaskInstanceKey> queue_;

  // Counters, saved at Begin and restored by Rollback.
  struct Counters {
    int64_t last_rowid = 0;
    int64_t last_seq = 0;
    int64_t last_queued_order = 0;
  };
  Counters counters_;
  std::optional<Counters> saved_;  // set while a transaction is open
  std::vector<std::function<void()>> undo_;
};

}  // namespace sluice::memory
