#pragma once
// The store: where every run, task instance, attempt and transition is persisted before it is
// acted on. One interface, two backends (SQLite now, PostgreSQL next). Instants are stored as
// UTC microseconds. A Store is used from one thread at a time; open one per process (or one per
// executor that claims work). Several processes may use one database at once: every write is
// a transaction, and conditional writes (transitions, claims) see what the others committed.
//
// A task instance is named by (dag_id, run_id, task_id, map_index): map_index is nullopt for an
// unmapped task and 0, 1, ... for the instances of a mapped one.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sluice/clock.h"
#include "sluice/state.h"
#include "sluice/status.h"

namespace sluice {

// One row per DAG id ever seen. `paused` is owned by pause/unpause: writing a DagRecord through
// WriteBatch::dags never changes it (use WriteBatch::set_paused).
struct DagRecord {
  std::string dag_id;
  std::string file;  // the file that defines it now
  std::string hash;  // its current (last good) version
  bool paused = false;
  bool deleted = false;                     // its file is gone: out of `dags list`, runs kept
  std::string errors_json = "[]";           // JSON list of "FILE:LINE:COL: error: MSG" for its file
  std::optional<TimePoint> last_scheduled;  // logical date of the newest scheduled run created
  bool operator==(const DagRecord&) const = default;
};

// An immutable version of a DAG: its canonical spec as JSON, named by its hash.
struct DagVersionRecord {
  std::string dag_id;
  std::string hash;
  std::string spec_json;
  TimePoint created;
  bool operator==(const DagVersionRecord&) const = default;
};

struct RunRecord {
  std::string dag_id;
  std::string run_id;
  RunType type = RunType::kManual;
  RunState state = RunState::kQueued;
  TimePoint logical_date;
  TimePoint data_interval_start;
  TimePoint data_interval_end;
  std::string dag_hash;            // the DAG version the run uses
  std::string params_json = "{}";  // trigger-time overrides
  TimePoint queued_at;
  std::optional<TimePoint> start;
  std::optional<TimePoint> end;
  // When the run missed its DAG's `sla` (it was not done `sla` after it was due): set once, by
  // the scheduler, and kept when the run ends later. Its sla_miss alert was written then.
  std::optional<TimePoint> sla_missed_at;
  bool operator==(const RunRecord&) const = default;
};

struct TaskInstanceRecord {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  std::optional<int> map_index;  // nullopt: an unmapped task; else >= 0
  TaskState state = TaskState::kNone;
  int try_number = 0;              // attempts started so far
  int retry_base = 0;              // attempts made before the last clear: retries count from here
  std::optional<TimePoint> start;  // of the first attempt
  std::optional<TimePoint> end;    // when it reached a terminal state
  std::optional<TimePoint> next_try_at;  // up_for_retry: when the next attempt may start
  std::string owner;                     // the executor that claimed it; empty when none
  std::optional<TimePoint> lease_until;  // its owner holds it until then (ClaimQueued)
  // A sensor's pokes (sluice/sensor.h) in its current wait (a new wait, after a clear, counts
  // from 0; a restarted scheduler goes on counting): how many, when the last one was, and what
  // it found ("no file matches in/*.csv").
  int pokes = 0;
  std::optional<TimePoint> last_poke_at;
  std::string last_poke;
  bool operator==(const TaskInstanceRecord&) const = default;
};

enum class AttemptState { kRunning, kSuccess, kFailed, kSkipped };
const char* AttemptStateName(AttemptState s);

struct AttemptRecord {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  std::optional<int> map_index;  // of its task instance
  int try_number = 1;
  AttemptState state = AttemptState::kRunning;
  TimePoint start;
  std::optional<TimePoint> end;
  std::optional<int> exit_code;  // set when the process exited
  std::optional<int> signal;     // set when a signal ended it
  bool timed_out = false;
  std::string host;
  int64_t pid = 0;  // of the supervisor that owns the task's process group
  std::string log_path;
  std::string error;            // why it failed when there is no exit code ("lost: ...")
  bool kill_requested = false;  // a user asked it to stop (`tasks kill`): it fails, no retry
  std::string log_note;  // its log was cut: how much was not kept and why; empty: it is whole
  // When it was found running longer than its task's threshold (`expected_duration`, or 3x the
  // median of recent successes) and its long_running alert was written; set once per attempt.
  std::optional<TimePoint> long_running_at;
  bool operator==(const AttemptRecord&) const = default;
};

// An append-only log of every state transition.
struct EventRecord {
  int64_t id = 0;  // assigned by the store
  TimePoint time;
  std::string dag_id;
  std::string run_id;            // empty for DAG-level events
  std::string task_id;           // empty for run-level events
  std::optional<int> map_index;  // of a mapped task instance's events
  std::string kind;              // "task_state", "run_state", "dag_paused", ...
  std::string from;
  std::string to;
  std::string detail;
  bool operator==(const EventRecord&) const = default;
};

// A request from the CLI or API for the running scheduler (trigger, clear, pause, ...).
struct CommandRecord {
  int64_t id = 0;  // assigned by the store
  TimePoint created;
  std::string kind;
  std::string args_json = "{}";
  std::string state = "pending";  // pending | done | failed
  std::string result;             // a message for the caller
};

// An alert to send: one event (a task or run failed, retried, succeeded, missed its SLA, ran
// long) for one notifier named in sluice.yaml. Written pending, in the same batch as the
// transition that caused it; the delivery worker (src/notify/) sends it, retrying with back-off,
// until it is delivered or given up (failed). It holds what the message says, never a resolved
// secret: URLs and headers are resolved from sluice.yaml at send time.
enum class DeliveryState { kPending, kDelivered, kFailed };
const char* DeliveryStateName(DeliveryState s);  // "pending", "delivered", "failed"
std::optional<DeliveryState> ParseDeliveryState(const std::string& name);

struct DeliveryRecord {
  int64_t id = 0;     // assigned by the store
  TimePoint created;  // when the event happened; retries give up an hour after it
  std::string event;  // "failure", "retry", "success", "sla_miss", "long_running"
  std::string notifier;
  std::string dag_id;
  std::string run_id;
  std::string task_id;                    // empty: an event of the run
  std::optional<int> map_index;           // of a mapped task instance
  std::string subject_state;              // the task's (or run's) state the event is about
  int try_number = 0;                     // of the attempt (0 for a run's event)
  int max_tries = 0;                      // retries + 1 (0 for a run's event)
  std::optional<TimePoint> logical_date;  // of the run
  std::string log_path;  // the attempt's log, whose last lines go in the message; may be empty
  // What the event's text adds: for sla_miss the due time and the SLA, for long_running how
  // long the attempt has run and its threshold. Empty for the other events.
  std::string detail;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;                       // sends tried so far
  std::optional<TimePoint> next_attempt;  // pending: not before then (written: `created`)
  std::optional<TimePoint> last_attempt;  // when the last send was tried
  std::string last_error;                 // of the last failed send; empty once delivered
  bool operator==(const DeliveryRecord&) const = default;
};

// One try at sending a delivery, and how it went.
struct DeliveryAttemptRecord {
  int64_t delivery_id = 0;
  int number = 1;  // 1-based
  TimePoint time;
  bool ok = false;
  std::optional<int> http_status;  // a webhook's response status, when one came
  std::string error;               // why it failed (secrets already removed); empty when ok
  bool operator==(const DeliveryAttemptRecord&) const = default;
};

// Which deliveries ListDeliveries returns.
struct DeliveryFilter {
  std::optional<std::string> dag_id;
  std::optional<DeliveryState> state;
  std::optional<int> limit;
};

// A user of the API and the UI (src/control/users.h owns the rules: names, roles, passwords).
// Only the password's Argon2id hash is stored, never the password.
struct UserRecord {
  std::string name;           // unique
  std::string role;           // "viewer", "operator" or "admin"
  std::string password_hash;  // crypto_pwhash_str's encoded string (algorithm, limits, salt)
  TimePoint created;
  std::optional<TimePoint> last_login;
  bool operator==(const UserRecord&) const = default;
};

// An API token of a user: only the hash of the token is stored (the token is shown once).
struct ApiTokenRecord {
  int64_t id = 0;  // assigned by the store; ids increase
  std::string user;
  std::string label;
  std::string token_hash;  // hex BLAKE2b-256 of the token; unique
  TimePoint created;
  std::optional<TimePoint> last_used;
  bool revoked = false;
  bool operator==(const ApiTokenRecord&) const = default;
};

// A browser session: named by the hash of its id (the cookie holds the id itself).
struct SessionRecord {
  std::string id_hash;  // hex BLAKE2b-256 of the session id; unique
  std::string user;
  std::string csrf_token;  // sent back with the session; not a credential on its own
  TimePoint created;
  TimePoint expires;
  bool operator==(const SessionRecord&) const = default;
};

// A task instance written only if its stored state is still `from`: `to` names the row and
// holds every field to write, as an upsert would. How a scheduler moves a row that another
// process (an executor claiming work, a CLI command) may have moved meanwhile.
struct TaskTransition {
  TaskInstanceRecord to;
  TaskState from = TaskState::kNone;
};

// A run written only if its stored state is still `from`.
struct RunTransition {
  RunRecord to;
  RunState from = RunState::kQueued;
};

// Everything a scheduler loop turn changes, written in one transaction.
struct WriteBatch {
  std::vector<DagRecord> dags;                           // upserts; `paused` is not written
  std::vector<std::pair<std::string, bool>> set_paused;  // dag_id -> paused (row created if absent)
  std::vector<DagVersionRecord> dag_versions;            // inserted if (dag_id, hash) is absent
  std::vector<RunRecord> runs;                           // upserts by (dag_id, run_id)
  std::vector<TaskInstanceRecord> task_instances;        // upserts by their key
  // After the upserts above, in this order. A row that is absent or in another state than
  // `from` fails the whole batch (kConflict, "task instance D/R/T: expected state queued, found
  // success", or "..., but it does not exist"), and nothing of the batch is written.
  std::vector<RunTransition> run_transitions;
  std::vector<TaskTransition> task_transitions;
  // Upserts by task instance and try. An attempt is stored under its task instance, which
  // must be stored already or be in `task_instances` above: otherwise the batch fails
  // (kNotFound, "upsert attempt D/R/T try N: no task instance D/R/T").
  std::vector<AttemptRecord> attempts;
  std::vector<EventRecord> events;               // appended in order
  std::vector<CommandRecord> finished_commands;  // by id: state and result updated
  // Inserted as new rows (ids assigned by the store, in order); their `id` is ignored. Alerts
  // caused by this batch's transitions, so the two are committed or lost together.
  std::vector<DeliveryRecord> deliveries;

  bool empty() const {
    return dags.empty() && set_paused.empty() && dag_versions.empty() && runs.empty() &&
           task_instances.empty() && run_transitions.empty() && task_transitions.empty() &&
           attempts.empty() && events.empty() && finished_commands.empty() && deliveries.empty();
  }
};

struct RunFilter {
  std::optional<std::string> dag_id;
  std::optional<RunState> state;
  std::vector<RunState> states;    // any of these (when non-empty)
  std::optional<TimePoint> since;  // only runs whose logical date is at or after it
  std::optional<int> limit;
  // Keyset paging: only the runs that come after this one in the list's order, which is newest
  // logical date first, then run id, then DAG id, each descending (a total order).
  struct Position {
    TimePoint logical_date;
    std::string run_id;
    std::string dag_id;
  };
  std::optional<Position> after;
};

// One thing `sluice db check` found wrong, and what fixes it.
struct StoreFinding {
  StatusCode code = StatusCode::kFailedPrecondition;  // kCorrupt for a damaged file
  std::string problem;  // "database schema is at version 3, this build needs 5"
  std::string fix;      // "run `sluice db migrate`"
};

// What Inspect() saw: the schema versions, whether the file is intact, and every finding.
struct StoreReport {
  int schema_version = 0;
  int latest_version = 0;
  bool intact = true;  // the integrity check found nothing wrong
  std::vector<StoreFinding> findings;
};

class Store {
 public:
  virtual ~Store() = default;

  // 0 for an empty database. The latest version this build knows is LatestSchemaVersion().
  virtual Result<int> SchemaVersion() = 0;
  virtual int LatestSchemaVersion() const = 0;
  // Applies every pending migration, all in one transaction: another process sees the schema
  // before or after, never in between. Never drops history.
  virtual Status Migrate() = 0;
  // Ok when the schema is at the latest version and the database passes its integrity check;
  // otherwise a message saying what is wrong and how to fix it (`sluice db migrate`).
  virtual Status Check() = 0;
  // Check() in full, for `sluice db check`: every finding with its fix. An error only when the
  // store cannot be read at all (then it is the error Check() returns, e.g. kCorrupt). The
  // default runs Check() and reports its message as one finding.
  virtual Result<StoreReport> Inspect() {
    StoreReport report;
    SLUICE_ASSIGN_OR_RETURN(report.schema_version, SchemaVersion());
    report.latest_version = LatestSchemaVersion();
    Status st = Check();
    if (!st.ok()) report.findings.push_back({st.code(), st.message(), ""});
    return report;
  }
  // A fast check that the file is sound, for a scheduler about to write to it: a kCorrupt error
  // naming the repair if not. Reads every page (PRAGMA quick_check); the default is Ok.
  virtual Status QuickCheck() { return Status::Ok(); }

  // All of `batch` or nothing, in one transaction, durable when it returns ok. An error means
  // nothing of it was written, unless the message says the outcome is unknown (an fsync that
  // failed after the commit was written, SQLite under durability: full): then a crash may
  // still bring the batch back. Either way the store takes further calls.
  virtual Status Apply(const WriteBatch& batch) = 0;
  // Upkeep for a moment when the caller has nothing else to do (the scheduler calls it before
  // it waits for work): the SQLite store copies its write-ahead log into the database then,
  // rather than in the middle of a busy stretch of commits. Cheap when there is nothing to do.
  virtual Status Housekeep() = 0;

  virtual Result<std::vector<DagRecord>> ListDags() = 0;
  virtual Result<std::optional<DagRecord>> GetDag(const std::string& dag_id) = 0;
  virtual Result<std::optional<DagVersionRecord>> GetDagVersion(const std::string& dag_id,
                                                                const std::string& hash) = 0;

  // Newest logical date first, then newest run id.
  virtual Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter) = 0;
  virtual Result<std::optional<RunRecord>> GetRun(const std::string& dag_id,
                                                  const std::string& run_id) = 0;
  // In insertion order (the instances of a mapped task in the order they were first written).
  virtual Result<std::vector<TaskInstanceRecord>> ListTaskInstances(const std::string& dag_id,
                                                                    const std::string& run_id) = 0;
  // A task's attempts, oldest try first (a mapped task's: by map index, then try); an empty
  // task_id lists every task's attempts in the run, oldest start first (then by task id, map
  // index and try).
  virtual Result<std::vector<AttemptRecord>> ListAttempts(const std::string& dag_id,
                                                          const std::string& run_id,
                                                          const std::string& task_id) = 0;
  // The attempts of one task instance (nullopt: the unmapped task's), oldest try first.
  virtual Result<std::vector<AttemptRecord>> ListAttempts(const std::string& dag_id,
                                                          const std::string& run_id,
                                                          const std::string& task_id,
                                                          std::optional<int> map_index) = 0;
  // Every attempt in state running in an open (queued or running) run, for crash recovery. A
  // run ends only after all of its attempts have, so no other attempt can be running.
  virtual Result<std::vector<AttemptRecord>> ListRunningAttempts() = 0;
  // Events with id > after_id, oldest first, at most `limit`.
  virtual Result<std::vector<EventRecord>> ListEvents(int64_t after_id, int limit) = 0;

  // Claims, for executors that take queued work from the store (DESIGN.md, "claim + lease").
  // Each runs in its own transaction and is safe against other processes doing the same: two
  // executors never claim one task instance. The lease says how long the claim holds without
  // a renewal; a scheduler treats an expired lease's executor as dead (the attempt is lost).
  //
  // Moves up to `limit` queued task instances to running for `executor`, holding them until
  // `lease_until`; oldest queued first (the order in which they became queued). Each is a
  // TaskTransition from queued to running with owner and lease_until set, nothing else changed,
  // and gets a task_state event at `now` (queued -> running, "claimed by EXECUTOR until T").
  // Returns the claimed rows, as stored; none when nothing is queued. Errors: kInvalidArgument
  // for an empty executor or a limit below 1.
  virtual Result<std::vector<TaskInstanceRecord>> ClaimQueued(const std::string& executor,
                                                              int limit, TimePoint lease_until,
                                                              TimePoint now) = 0;
  // Extends the lease of every running task instance `executor` holds to `lease_until`.
  // Returns how many. A task instance that left running (ended, or moved by a scheduler that
  // found its lease expired) is no longer held and is not renewed. Like ListExpiredLeases, it
  // looks only at the task instances of open (queued or running) runs.
  virtual Result<int> RenewLeases(const std::string& executor, TimePoint lease_until) = 0;
  // Running task instances whose lease ended before `now` (their executor is presumed dead),
  // by lease end, oldest first. Reads the open runs' task instances, never history: a run ends
  // only after all of its task instances have.
  virtual Result<std::vector<TaskInstanceRecord>> ListExpiredLeases(TimePoint now) = 0;

  // Commands: the CLI enqueues, the scheduler takes pending ones and finishes them in a batch.
  // EnqueueCommand stores created, kind and args_json as a pending command (the record's id,
  // state and result are ignored) and returns its id; ids increase. PendingCommands lists them
  // oldest first. Finishing an id that does not exist fails the whole batch (kNotFound).
  virtual Result<int64_t> EnqueueCommand(const CommandRecord& command) = 0;
  virtual Result<std::vector<CommandRecord>> PendingCommands() = 0;
  virtual Result<std::optional<CommandRecord>> GetCommand(int64_t id) = 0;

  // Alert deliveries (WriteBatch::deliveries writes them). The delivery worker runs on its own
  // connection beside the scheduler's.
  //
  // Pending deliveries whose next_attempt is at or before `now`, oldest next_attempt first (then
  // by id), at most `limit`.
  virtual Result<std::vector<DeliveryRecord>> DueDeliveries(TimePoint now, int limit) = 0;
  // Records one send of a pending delivery, in one transaction: the attempt is added (its
  // number must be the delivery's attempts + 1) and the delivery moves to `state` with
  // `next_attempt` (pending: when to try again; else none), its attempts, last_attempt and
  // last_error updated. Errors: kNotFound for an unknown id; kConflict when the delivery is no
  // longer pending or the number is not the next one (someone else sent it meanwhile).
  virtual Status RecordDeliveryAttempt(const DeliveryAttemptRecord& attempt, DeliveryState state,
                                       std::optional<TimePoint> next_attempt) = 0;
  // Newest first (by id).
  virtual Result<std::vector<DeliveryRecord>> ListDeliveries(const DeliveryFilter& filter) = 0;

  // The successful attempts of each (dag_id, task_id) in `tasks`: its newest `per_task` by end,
  // newest first, grouped by task in no particular order. One query however many tasks: the
  // scheduler reads them once at start for the long_running rule (3x the median duration).
  virtual Result<std::vector<AttemptRecord>> RecentSuccesses(
      const std::vector<std::pair<std::string, std::string>>& tasks, int per_task) = 0;
  // A delivery's attempts, oldest first; none for an unknown id.
  virtual Result<std::vector<DeliveryAttemptRecord>> ListDeliveryAttempts(int64_t delivery_id) = 0;

  // Users, API tokens and sessions (0011_users.sql). Each call is one transaction. Users are
  // named in errors as `user 'NAME'`.
  //
  // Inserts `user`. Errors: kConflict "user 'NAME' exists".
  virtual Status CreateUser(const UserRecord& user) = 0;
  virtual Result<std::optional<UserRecord>> GetUser(const std::string& name) = 0;
  // Every user, by name.
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;
  // Deletes the user, its API tokens (revoked ones too) and its sessions, all or nothing.
  // Errors: kNotFound "no user 'NAME'" (the same for the setters below).
  virtual Status DeleteUser(const std::string& name) = 0;
  // Replaces the password hash and deletes the user's sessions, in one transaction.
  virtual Status SetUserPassword(const std::string& name, const std::string& password_hash) = 0;
  virtual Status SetUserRole(const std::string& name, const std::string& role) = 0;
  virtual Status SetUserLastLogin(const std::string& name, TimePoint when) = 0;
  // Inserts `token` (its id ignored) and returns its id. Errors: kNotFound "no user 'NAME'";
  // kConflict when a token with the same hash exists.
  virtual Result<int64_t> CreateApiToken(const ApiTokenRecord& token) = 0;
  // The tokens of `user` ("" for every user's), revoked ones included, by id.
  virtual Result<std::vector<ApiTokenRecord>> ListApiTokens(const std::string& user) = 0;
  virtual Result<std::optional<ApiTokenRecord>> FindApiToken(const std::string& token_hash) = 0;
  // Marks the token revoked (again: no change). Errors: kNotFound "no API token ID".
  virtual Status RevokeApiToken(int64_t id) = 0;
  // Sets the token's last_used. Errors: kNotFound "no API token ID".
  virtual Status SetApiTokenLastUsed(int64_t id, TimePoint when) = 0;
  // Inserts `session`. Errors: kNotFound "no user 'NAME'"; kConflict for a hash that exists.
  virtual Status CreateSession(const SessionRecord& session) = 0;
  virtual Result<std::optional<SessionRecord>> GetSession(const std::string& id_hash) = 0;
  // Deletes the session; none with that hash is no error.
  virtual Status DeleteSession(const std::string& id_hash) = 0;
  // Deletes every session that expired at or before `now`; returns how many.
  virtual Result<int> DeleteExpiredSessions(TimePoint now) = 0;

  // Aggregates for /metrics (src/api/metrics.h), which a process without a scheduler (`sluice
  // api`) serves from the store alone. Each is one query, counted by the store: no table is read
  // into memory, whatever its size.
  //
  // How many rows are in one state of one DAG. States are named as the CLI prints them.
  struct StateCount {
    std::string dag_id;
    std::string state;
    int64_t count = 0;
    bool operator==(const StateCount&) const = default;
  };
  // Runs, and task instances (mapped ones each counted), by DAG and state; ordered by DAG id then
  // state name (byte order). A (DAG, state) that has no row is absent, not zero.
  virtual Result<std::vector<StateCount>> CountRunsByState() = 0;
  virtual Result<std::vector<StateCount>> CountTaskInstancesByState() = 0;
  // The durations (end - start, a negative one taken as zero) of one DAG's ended attempts
  // (state other than running, end set), as a histogram: cumulative[i] counts those of at most
  // bounds[i], as Prometheus' buckets do.
  struct DurationHistogram {
    std::string dag_id;
    std::vector<int64_t> cumulative;  // one per bound, non-decreasing
    int64_t count = 0;                // every ended attempt (the +Inf bucket)
    Duration sum{};                   // of their durations
    bool operator==(const DurationHistogram&) const = default;
  };
  // One histogram per DAG that has an ended attempt, ordered by DAG id. `bounds` must increase
  // strictly: otherwise kInvalidArgument and nothing is read.
  virtual Result<std::vector<DurationHistogram>> AttemptDurations(
      const std::vector<Duration>& bounds) = 0;
};

// Opens (creating if needed) the SQLite database at `path` in WAL mode with
// synchronous=NORMAL, or FULL when `durable_full`. Does not migrate.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, bool durable_full = false);

}  // namespace sluice
