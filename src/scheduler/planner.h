#pragma once
// The planner: the scheduler's decisions as a pure function of its state and one event
// (DESIGN.md §1, STYLE.md convention 6). It owns the open runs, their task instances and
// readiness, the ready queue, the limits and one timer queue. Each event (an attempt ended, a
// DAG file changed, a command, a tick of time) updates only the runs it touches and adds to the
// current Decision: the transitions to commit and the actions to perform afterwards (launch,
// kill, arm a timer). It does no I/O: it never reads the clock, the store, a file or a process.
// What it needs from the store comes in with the event; the Driver (driver.h) reads it.
//
// Threading: not thread-safe; one thread (the driver's) calls everything.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/sensor_config.h"
#include "core/template.h"
#include "scheduler/dag_graph.h"
#include "scheduler/dag_source.h"
#include "scheduler/decision.h"
#include "scheduler/depends_on_past.h"
#include "scheduler/dispatch_limit.h"
#include "scheduler/duration_history.h"
#include "scheduler/explanation.h"
#include "scheduler/external_waits.h"
#include "scheduler/pool_limit.h"
#include "scheduler/run_builder.h"
#include "scheduler/trigger_rule.h"
#include "sluice/store.h"

namespace sluice {

struct PlannerOptions {
  int parallelism = 2;  // task processes at once
  // sluice.yaml `pools`: name -> slots; the `default` pool (tasks without `pool`) is added with
  // `parallelism` slots.
  std::map<std::string, int> pools;
  std::string logs_dir;       // attempt logs go under it (DAG/RUN/TASK.TRY.log)
  int64_t log_max_bytes = 0;  // a cap on each attempt's output in its log; 0: none
  std::string hostname = "localhost";
  // The name under which the scheduler's own executor claims task instances, and how long a
  // claim holds without renewal (the driver renews every lease / 3).
  std::string executor = "local@localhost";
  Duration lease = std::chrono::seconds(60);
  Duration kill_grace = std::chrono::seconds(10);
  bool schedules_enabled = true;  // false: only runs created by Trigger (dags test)
  // A DAG id the store has never seen is created paused (sluice.yaml dags_paused_on_create).
  bool dags_paused_on_create = false;
  int max_runs_created_per_turn = 1000;  // bounds a turn when catchup has a long backlog
  // `external` sensors read a run they wait for and the planner does not hold again every
  // poke_every, instead of only once: for `dags test`, where another process (the scheduler)
  // moves other DAGs' runs without waking this one.
  bool external_sensors_poll = false;
};

// A run as the store holds it, handed to the planner to take charge of.
struct StoredRun {
  RunRecord run;
  std::vector<TaskInstanceRecord> task_instances;
  DagGraphPtr graph;  // of run.dag_hash
  // For a DAG with depends_on_past: its newest run before this one, as the store had it.
  std::optional<RunOutcomes> previous;
};

// What a command needs from the store, read by the driver before it hands the command in.
struct CommandInput {
  std::optional<DagRecord> dag;  // pause, unpause: the DAG's row (its `paused` flag)
  std::optional<StoredRun> run;  // trigger, clear: the run, when the planner does not hold it
  std::string error;             // the driver could not read what was needed
};

// Where an attempt's files go: DIR/DAG/RUN/TASK.TRY, or DIR/DAG/RUN/TASK@INDEX.TRY for a mapped
// task instance (its log is that path plus ".log"). Flat in the run's folder: a folder per task
// would cost a mkdir per launch.
std::string AttemptPath(const std::string& logs_dir, const AttemptKey& key);

class Planner {
 public:
  explicit Planner(PlannerOptions options);
  ~Planner();

  // --- Start-up: what the store holds, before any event. None of these records a transition
  // except where it says so.
  void LoadDag(const DagRecord& rec);
  // Takes charge of an open run (queued or running).
  void LoadRun(StoredRun stored);
  // Starts keeping `dag_id`'s closed runs for depends_on_past (ClosedRuns::Track): those after
  // `floor` and the newest at or before it. Tasks that waited for them (ClosedRunsUnreadable)
  // decide again: that records transitions.
  void TrackClosedRuns(const std::string& dag_id, std::vector<RunOutcomes> runs,
                       std::optional<TimePoint> floor, TimePoint now);
  // An attempt the store says is running, and what the executor said when asked to adopt it:
  // ok (it is watched, or its end will come as an outcome), NotFound (it never started: the
  // try is given back), any other error (the executor reports it lost). Records transitions.
  void RecoverAttempt(const AttemptRecord& stored, const Status& adopted, TimePoint now);
  // Whether the task instance of `attempt` is held by another executor (its owner), which runs
  // it: the driver does not adopt such an attempt, and the planner waits for the owner or for
  // its lease to end (OnLeaseExpired).
  bool HeldElsewhere(const AttemptRecord& attempt) const;
  // Whether any claim is held: an attempt of this scheduler's executor, or a task instance
  // another executor holds. Leases need checking only then.
  bool HoldsClaims() const { return !attempts_.empty() || !held_elsewhere_.empty(); }
  // Forgets task instances held elsewhere that have moved on meanwhile (a clear, a mark).
  void PruneHeldElsewhere();
  // After every RecoverAttempt: task instances handed out without an attempt to adopt go back
  // to the ready queue, but for those another executor holds. Records transitions.
  void RequeueUnattended(TimePoint now);
  // Once the DAG folder has been read: running runs resume, queued runs are admitted. Records
  // transitions.
  void ResumeRuns(TimePoint now);

  // --- Events. Each records its transitions and actions into the current decision.
  void OnAttemptEnded(const AttemptOutcome& outcome, TimePoint now);
  // A poke of a deferred sensor came back (sensors.cc): its condition met, the task succeeds;
  // its timeout (from its first poke) passed, it fails, or ends skipped with soft_fail; else
  // the next poke is due after its poke interval. Ignored unless the task instance still waits
  // for this poke.
  void OnPokeResult(const PokeOutcome& outcome, TimePoint now);
  // The lease of `ti`'s owner ended at `ti.lease_until`: that executor is presumed dead and the
  // attempt lost; the retry policy applies. `attempt`: its attempt as the store has it, if any.
  // Ignored unless the planner holds the task instance running under that owner.
  void OnLeaseExpired(const TaskInstanceRecord& ti, const std::optional<AttemptRecord>& attempt,
                      TimePoint now);
  // A DAG file changed. `stored_versions`: the "dag@hash" versions of this change's DAGs that
  // the store already has (their specs need not be written again).
  void OnDagFileChanged(const DagFileChange& change, const std::set<std::string>& stored_versions,
                        TimePoint now);
  // The changes of one poll of the DAG files, taken together: a DAG id that two files define is
  // an error on both (FILE:LINE:COL naming the other), and the DAG keeps its last good version.
  void OnDagFilesChanged(const std::vector<DagFileChange>& changes,
                         const std::set<std::string>& stored_versions, TimePoint now);
  // DAGs whose files are broken or in conflict and whose last good version the planner has not
  // built (after a restart): (dag id, hash) pairs for the driver to read from the store and
  // hand back with RestoreLastGood, so they keep running on it.
  std::vector<std::pair<std::string, std::string>> TakeWantedVersions();
  void RestoreLastGood(const std::string& dag_id, DagGraphPtr graph, TimePoint now);
  void OnCommand(const CommandRecord& command, const CommandInput& input, TimePoint now);
  // Time passed: fires due timers (retries, scheduled runs), then queues and launches what is
  // ready and fits the limits.
  void OnTick(TimePoint now);
  // Creates a manual run (as `dags trigger` does) and returns its id. `stored`: the store already
  // has a run with the id it would get. `previous`: for a run dated in the past of a DAG with
  // depends_on_past, its previous run as the store has it.
  Result<std::string> Trigger(const std::string& dag_id, const std::string& params_json,
                              std::optional<TimePoint> logical_date, TimePoint now, bool stored,
                              std::optional<RunOutcomes> previous);
  // The executor took the launch; `pid` (of its supervisor) goes into the attempt's end record.
  void NoteLaunched(const AttemptKey& key, int64_t pid);
  // Stops every running attempt (their ends still come as outcomes).
  void KillAll();
  // Starts keeping `task_id`'s recent successes for the long_running rule (alert_timers.cc),
  // newest first, as the store has them; its running attempts are watched from then on.
  void TrackSuccesses(const std::string& dag_id, const std::string& task_id,
                      std::vector<Duration> newest_first);
  bool TracksSuccesses(const std::string& dag_id, const std::string& task_id) const {
    return durations_.Tracks(dag_id, task_id);
  }

  // Everything decided since the last call. Runs that ended leave memory here (their final
  // state is in these writes); the next queued run of their DAG may then be admitted.
  Decision TakeDecision();

  // --- What the driver asks.
  // The earliest timer; TimePoint::max() when none.
  TimePoint NextWakeup() const;
  // Whether a turn has work without waiting: a task became ready and a slot is free.
  bool HasReadyWork() const;
  size_t active_runs() const { return runs_.size(); }
  size_t running_attempts() const { return attempts_.size(); }
  // Task instances ready to start and waiting for a slot (the ready queue), for /metrics.
  size_t ready_tasks() const { return ready_.size(); }
  bool HoldsRun(const std::string& dag_id, const std::string& run_id) const;
  std::optional<RunState> RunStateOf(const std::string& dag_id, const std::string& run_id) const;
  // The logical date of a run the planner holds (alert_events.h asks it).
  std::optional<TimePoint> LogicalDateOf(const std::string& dag_id,
                                         const std::string& run_id) const;
  // A graph the planner already built for this version, or null.
  DagGraphPtr FindVersion(const std::string& dag_id, const std::string& hash) const;
  // The current graph of `dag_id`, or null.
  DagGraphPtr CurrentGraph(const std::string& dag_id) const;
  bool TracksClosedRuns(const std::string& dag_id) const { return closed_.Tracks(dag_id); }
  // Forgets what ClosedRuns keeps for `dag_id` (its floor moved down: it gained a schedule).
  void UntrackClosedRuns(const std::string& dag_id) { closed_.Untrack(dag_id); }
  // The driver could not read `dag_id`'s closed runs: its depends_on_past tasks wait until
  // TrackClosedRuns.
  void ClosedRunsUnreadable(const std::string& dag_id) { past_unreadable_.insert(dag_id); }
  // The logical date of `dag_id`'s newest scheduled run.
  std::optional<TimePoint> LastScheduled(const std::string& dag_id) const;
  // What ClosedRuns keeps for `dag_id`: runs after this floor, and the newest at or before it.
  // `scheduled`: the DAG has a schedule (without one, later runs are manual runs at "now").
  std::optional<TimePoint> ClosedRunsFloor(const std::string& dag_id, bool scheduled) const;
  // Errors of the DAG files as last seen, by file.
  const std::map<std::string, std::vector<std::string>>& file_errors() const {
    return file_errors_;
  }
  const std::string& logs_dir() const { return options_.logs_dir; }
  // Every pool's size, the slots its running attempts hold, and its task instances that are
  // ready and wait for a slot (`sluice pools list`).
  std::vector<PoolUsage> Pools() const;
  // What holds a task instance of a run the planner holds, as the planner would decide now
  // (explain.cc): each rule that holds it, in the order the planner asks them. Empty when
  // nothing does: the task is ready, running or ended, or the run or task is not held here.
  // Changes nothing.
  std::vector<Explanation> Explain(const std::string& dag_id, const std::string& run_id,
                                   const std::string& task_id, TimePoint now) const;

 private:
  struct TaskSlot {
    TaskInstanceRecord rec;
    UpstreamCounts counts;
    bool waiting_on_past = false;
    // A deferred sensor: the id of the poke it waits for (0: none in flight), and what the
    // previous poke left for the next (null after a restart).
    uint64_t poke_in_flight = 0;
    Value poke_memo;
    // The state the store holds, which a write of this task instance expects to find there;
    // none while it is not written yet.
    std::optional<TaskState> stored;
  };
  struct ActiveRun {
    RunRecord rec;
    std::optional<RunState> stored;  // the run's state in the store; none: not written yet
    DagGraphPtr graph;
    std::vector<TaskSlot> tasks;          // by graph index
    std::vector<TaskSlot> removed;        // task instances no longer in the graph
    std::optional<RunOutcomes> previous;  // for depends_on_past, when loaded from the store
    int unfinished = 0;                   // tasks not in a terminal state
    // `runs cancel` ended its tasks: nothing more starts, and it ends failed.
    bool cancelled = false;
    // Template values shared by the run's attempts, built at its first launch for
    // `launch_template_graph`; rebuilt when the run moves to another DAG version, whose params
    // or zone may differ.
    std::optional<RunTemplate> launch_template;
    DagGraphPtr launch_template_graph;
  };
  struct DagEntry {
    DagGraphPtr graph;  // current version; null if never loaded OK
    DagRecord rec;
    std::optional<TimePoint> next_logical;  // next scheduled run to create
    std::optional<TimePoint> next_due;
    int running_runs = 0;
  };
  using RunKey = std::pair<std::string, std::string>;  // dag id, run id
  struct ReadyKey {
    int neg_priority;
    TimePoint logical_date;
    std::string dag_id;
    std::string run_id;
    int task;
    auto operator<=>(const ReadyKey&) const = default;
  };
  struct RunningAttempt {
    AttemptRecord rec;
    bool orphaned = false;  // its task instance was cleared or removed: record only the attempt
  };
  // The planner's one timer queue: what is due when.
  struct Timer {
    enum class Kind { kRetry, kSchedule, kPoke, kSlaMiss, kLongRunning } kind;
    std::string dag_id;
    std::string run_id;   // kRetry, kPoke, kSlaMiss, kLongRunning
    std::string task_id;  // kRetry, kPoke, kLongRunning
    int try_number = 0;   // kLongRunning: the attempt's
    auto operator<=>(const Timer&) const = default;
  };

  // DAG files and schedules (dag_updates.cc).
  void ApplyDagVersion(const std::shared_ptr<const DagSpec>& shared_spec, const std::string& file,
                       bool stored);
  void OnDagScheduleChanged(const std::string& dag_id);
  void ScheduleNextRun(DagEntry& dag);
  void CreateDueRun(const std::string& dag_id);

  // Commands (commands.cc).
  std::string Clear(const std::string& dag_id, const std::string& run_id, const ClearScope& scope,
                    const CommandInput& input, bool* ok);
  // `runs cancel`: every task not ended fails (a running attempt or a waiting sensor is
  // stopped), nothing more starts, and the run ends failed.
  std::string CancelRun(const std::string& dag_id, const std::string& run_id,
                        const CommandInput& input, bool* ok);
  std::string KillTask(const std::string& dag_id, const std::string& run_id,
                       const std::string& task_id, bool* ok);
  std::string Mark(const std::string& dag_id, const std::string& run_id, const std::string& task_id,
                   const std::string& state, const CommandInput& input, bool* ok);
  void StopAttempts(const std::string& dag_id, const std::string& run_id,
                    const std::string& task_id);

  // Dispatch and outcomes (dispatch.cc).
  void Dispatch();
  // `refusal`: a limit refused the task (LimitVerdict::kRefuse): the attempt fails at once with
  // it, as one whose launch failed.
  void StartAttempt(ActiveRun& run, int task, const std::string& refusal = "");
  LaunchRequest MakeLaunch(ActiveRun& run, int task, std::string* error);
  const RunTemplate* RunTemplateOf(ActiveRun& run, std::string* error);
  void AttemptStarted(const AttemptRecord& rec, const TaskSpec* spec, const DagSpec* dag,
                      bool orphaned);
  void AttemptEnded(const AttemptKey& key);
  void FireRetry(const Timer& timer);

  // Sensors (sensors.cc).
  bool IsDeferredSensor(const ActiveRun& run, int task) const;
  // A sensor that became ready waits `deferred`, its first poke due now.
  void Defer(ActiveRun& run, int task);
  void RequestPoke(ActiveRun& run, int task);
  void FirePoke(const Timer& timer);
  // Ends a deferred sensor by hand (`tasks kill`): failed, no retry.
  std::string KillSensor(ActiveRun& run, int task);
  Explanation ExplainSensor(const ActiveRun& run, int task, TimePoint now) const;

  // `external` sensors (external_waits.cc): registered as waiters of the other run, checked at
  // once and again at each change of that run (WakeExternalWaiters), never poked.
  bool IsExternalSensor(const ActiveRun& run, int task) const;
  // `wake`: the other run changed (a check finding what the last one did is not counted).
  void CheckExternal(ActiveRun& run, int task, bool wake);
  // The store read of an external sensor came back; false for any other sensor's poke.
  bool OnExternalResult(const PokeOutcome& outcome);
  void RecordExternalCheck(ActiveRun& run, int task, const PokeResult& found);
  void ArmExternalTimeout(ActiveRun& run, int task);
  void TimeOutExternal(ActiveRun& run, int task, const SensorConfig& sensor);
  void WakeExternalWaiters();
  // SLA misses and long-running attempts (alert_timers.cc).
  void ArmSlaMiss(const ActiveRun& run);
  void FireSlaMiss(const Timer& timer);
  void ArmLongRunning(const AttemptRecord& rec, const TaskSpec* spec);
  void FireLongRunning(const Timer& timer);
  // After a successful attempt: its duration joins its task's history.
  void NoteSuccess(const AttemptRecord& rec);
  // Fires a timer of this file's kinds; false for another kind.
  bool FireAlertTimer(const Timer& timer);
  // Command sensors, whose pokes are processes (reschedule.cc).
  // A `mode: reschedule` sensor: deferred between pokes, each poke an attempt.
  bool IsRescheduled(const ActiveRun& run, int task) const;
  // Its Defer: the task (scheduled) waits in the ready queue for its poke's slot.
  void QueuePoke(ActiveRun& run, int task);
  // Its RequestPoke: scheduled for the poke, or ended at its timeout, or (loaded deferred with
  // its next poke ahead) a timer.
  void PokeDue(ActiveRun& run, int task);
  // The timeout of the task's next attempt: what is left of a reschedule sensor's.
  std::optional<Duration> AttemptTimeout(const ActiveRun& run, int task) const;
  // An attempt of a command sensor ended: true when handled here (a poke of a reschedule sensor;
  // a timeout, which is not retried), false for the usual path.
  bool SensorAttemptEnded(ActiveRun& run, int task, const AttemptOutcome& o, bool killed,
                          TimePoint end);

  // Runs and readiness (run_progress.cc).
  // Takes charge of a run. `stored`: the records are as the store holds them (else they are
  // new, written with this decision).
  ActiveRun* AddRun(RunRecord rec, std::vector<TaskInstanceRecord> tis, const DagGraphPtr& graph,
                    bool stored);
  TaskSlot* FindSlot(ActiveRun& run, const std::string& task_id);
  void DropRun(const RunKey& key);
  void StartRun(ActiveRun& run);
  void Reactivate(ActiveRun& run);
  void AdmitRuns(const std::string& dag_id);
  void Evaluate(ActiveRun& run, int task);
  void SetTaskState(ActiveRun& run, int task, TaskState state, const std::string& detail = "");
  // `end`: when it ended, if before now (an attempt that ended while no scheduler watched it).
  void FinishTask(ActiveRun& run, int task, TaskState state, const std::string& detail = "",
                  std::optional<TimePoint> end = std::nullopt);
  void MaybeFinishRun(ActiveRun& run);
  RunState LeafState(const ActiveRun& run) const;
  void RebindRun(ActiveRun& run, DagGraphPtr graph);
  void MarkRemoved(ActiveRun& run, TaskSlot& slot);
  void RecountUpstream(ActiveRun& run, size_t task);
  std::optional<TaskState> PreviousState(const ActiveRun& run, const std::string& task_id) const;
  // The task in the run before `run`; none when there is no earlier run.
  std::optional<PastTask> PreviousTask(const ActiveRun& run, const std::string& task_id) const;
  void RecheckDependsOnPast(const std::string& dag_id);
  void NoteClosed(const std::string& dag_id, RunOutcomes outcomes);
  void ForgetReady(const RunKey& key);
  std::optional<TimePoint> ClosedRunsFloor(const std::string& dag_id) const;
  void MarkDirty(ActiveRun& run, int task);
  void MarkDirty(ActiveRun& run, const std::string& task_id);
  void MarkRunDirty(ActiveRun& run);
  // Queues `rec` for this decision; a later version of the same attempt replaces it.
  void RecordAttempt(const AttemptRecord& rec);
  void AddTimer(TimePoint when, Timer timer);
  void Kill(const AttemptKey& key);

  PlannerOptions options_;
  TimePoint now_{};  // of the event being handled
  // False from construction until ResumeRuns: while open runs are being loaded, none is
  // admitted (max_active_runs counts the running ones as they are loaded).
  bool resumed_ = false;

  std::map<std::string, DagEntry> dags_;
  // A DAG file as last loaded: its last good DAGs (kept while it is broken) and its own errors.
  struct FileDags {
    std::vector<std::shared_ptr<const DagSpec>> dags;  // shared with their DagGraphs
    std::vector<SourceLocation> id_locations;          // parallel to dags
    std::vector<std::string> errors;
  };
  SourceLocation IdLocation(const std::string& file, const std::string& dag_id) const;
  std::map<std::string, FileDags> files_;
  std::map<std::string, std::set<std::string>> id_files_;  // dag id -> files that define it
  std::set<std::string> wanted_versions_;                  // see TakeWantedVersions
  // file -> its diagnostics: its own, then the duplicate ids it shares with other files
  std::map<std::string, std::vector<std::string>> file_errors_;
  std::map<std::string, DagGraphPtr> versions_;  // "dag@hash" -> graph
  std::map<RunKey, std::unique_ptr<ActiveRun>> runs_;
  std::set<ReadyKey> ready_;
  bool ready_changed_ = false;  // ready_ gained a task since the last Dispatch
  std::set<std::pair<TimePoint, Timer>> timers_;
  TimePoint armed_ = TimePoint::max();  // the wake-up last handed out as an ArmTimerAction
  std::map<AttemptKey, RunningAttempt> attempts_;
  std::vector<AttemptOutcome> pending_outcomes_;  // attempts that could not start: next tick
  uint64_t last_poke_id_ = 0;
  ExternalWaits external_waits_;  // external sensors by the run they wait for
  std::vector<std::unique_ptr<DispatchLimit>> limits_;
  PoolLimit* pools_ = nullptr;  // one of limits_
  ClosedRuns closed_;
  DurationHistory durations_;              // for the long_running rule
  std::set<std::string> past_unreadable_;  // DAGs whose closed runs could not be read
  // Task instances found running under another executor at start-up, until they move on.
  std::set<AttemptKey> held_elsewhere_;

  Decision decision_;
  // By task id, not index: a run re-bound to a new DAG version lays its tasks out anew.
  std::set<std::pair<RunKey, std::string>> dirty_tasks_;
  std::set<RunKey> dirty_runs_;
  std::set<std::string> dirty_dags_;
  std::map<AttemptKey, AttemptRecord> attempt_writes_;  // attempts changed in this decision
  std::vector<RunKey> finished_runs_;
};

}  // namespace sluice
