#pragma once
// The driver: the scheduler's I/O around the pure Planner (DESIGN.md §1). Each Turn() runs the
// event loop until something happens (an attempt ended, a timer fired, a wake-up), reads the
// inputs (ended attempts, DAG files, pending commands, and what those need from the store),
// hands them to the planner as events, commits the planner's transitions in one store
// transaction, and only then performs its actions: launches, kills, the next timer. A restarted
// driver recovers from the store and adopts the attempts a previous one left running, so
// nothing is lost and nothing that finished runs again.
//
// Threading: not thread-safe; one thread calls Start() and Turn(). RequestStop() may be called
// from a signal handler.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "executor/executor.h"
#include "scheduler/alert_events.h"
#include "scheduler/dag_source.h"
#include "scheduler/log_retention.h"
#include "scheduler/planner.h"
#include "scheduler/poker.h"
#include "scheduler/scheduler_stats.h"
#include "sluice/store.h"
#include "util/event_loop.h"

namespace sluice {

struct DriverOptions {
  PlannerOptions planner;
  Duration dag_poll_interval = std::chrono::seconds(1);
  Duration command_poll_interval = std::chrono::milliseconds(200);
  bool recover_open_runs = true;  // false: leave other runs alone (dags test)
  bool handle_commands = true;    // false: leave commands to the real scheduler
  // Logs (info) each committed run creation and end, failed and lost attempt (decision_log.h).
  bool log_progress = true;
  // How often open runs of a `dags test` are checked for a dead test process (abandoned_run.h);
  // done at a DAG poll, so it adds no wake-ups. Only with recover_open_runs.
  Duration abandoned_check_interval = std::chrono::seconds(5);
  // Whether `pid` is known to be gone on this host; default: kill(pid, 0) fails with ESRCH.
  std::function<bool(int64_t pid)> pid_gone;
  // sluice.yaml `log_retention`: logs of runs ended longer ago are deleted (log_retention.h),
  // swept at Start and then every `log_retention_interval`. Unset: logs are kept.
  std::optional<Duration> log_retention;
  Duration log_retention_interval = std::chrono::hours(1);
  // Named connections for sensors' pokes (sluice.yaml `connections`): name -> URL
  // (PokeContext::connections).
  std::map<std::string, std::string> connections;
  // Runs each sensor poke at once on the driver's thread instead of the poker's own (poker.h):
  // for tests on simulated time, where a thread would race the simulated clock.
  bool poke_inline = false;
  // A store connection of the poker's thread alone, for `external` sensors' reads of runs the
  // planner does not hold (external_waits.h); borrowed. Null: the driver's own store, which only
  // a poke_inline driver may share (else those reads fail with an error).
  Store* sensor_store = nullptr;
  // Each commit also writes the alert deliveries its transitions cause (alert_events.h), for
  // the delivery worker (src/notify/) to send. False: no alerts (dags test).
  bool alerts = true;
  // Where the driver reports its figures after Start and each turn (scheduler_stats.h), for
  // /metrics; borrowed, and read by other threads. Null: not reported.
  SchedulerStats* stats = nullptr;
};

class Driver {
 public:
  // Borrows everything; all must outlive the driver. Time is the loop's clock.
  Driver(DriverOptions options, Store& store, Executor& executor, EventLoop& loop, DagSource& dags);
  ~Driver();

  // Loads DAG state and open runs from the store, adopts attempts left running, reads the DAG
  // folder, and commits what that changed.
  Status Start();
  // One turn: waits at most `max_wait` (less if a timer is due sooner, not at all if there is
  // work) for an event, then handles everything that is due. An error means the store failed:
  // stop the loop.
  Status Turn(Duration max_wait);
  // Turns until RequestStop().
  Status Run();
  void RequestStop();
  bool stop_requested() const { return stop_.load(); }
  // Asks every running attempt to stop; their ends arrive through later turns.
  Status KillAll();

  // Creates a manual run now (as `dags trigger` does) and returns its id.
  Result<std::string> TriggerRun(const std::string& dag_id, const std::string& params_json,
                                 std::optional<TimePoint> logical_date = std::nullopt);
  // The state of a run the planner holds or has finished (read from the store).
  Result<RunState> GetRunState(const std::string& dag_id, const std::string& run_id);

  size_t active_runs() const { return planner_->active_runs(); }
  size_t running_attempts() const { return planner_->running_attempts(); }
  // Errors of the DAG files as last seen, by file.
  const std::map<std::string, std::vector<std::string>>& file_errors() const {
    return planner_->file_errors();
  }

 private:
  void PollDags(TimePoint now);
  void HandleDagChanges(std::vector<DagFileChange> changes, TimePoint now);
  // `known`: the planner had seen the file before this change.
  void LogDagFileChange(const DagFileChange& change, bool known);
  Status PollCommands(TimePoint now);
  void CheckLeases(TimePoint now);
  // Ends the open runs of `dags test` processes that died (abandoned_run.h). A store error is
  // logged and the check tried again later.
  void EndAbandonedTestRuns(TimePoint now);
  CommandInput ReadCommandInput(const CommandRecord& command);
  // A run as the store holds it, with its graph and (for depends_on_past) its previous run,
  // found in its DAG's runs (newest first), listed once into `listings` when given.
  using RunListings = std::map<std::string, std::vector<RunRecord>>;
  Result<StoredRun> ReadRun(const RunRecord& run, RunListings* listings = nullptr);
  Result<DagGraphPtr> GraphFor(const std::string& dag_id, const std::string& hash);
  Result<RunOutcomes> ReadOutcomes(const RunRecord& run);
  // Hands the planner `dag_id`'s closed runs once, before it needs them for depends_on_past.
  Status TrackClosedRuns(const std::string& dag_id, bool scheduled);
  void TrackClosedRunsOrRetry(const std::string& dag_id, bool scheduled);
  void RetryClosedRuns();
  // Hands the planner the recent successes of the tasks of `dags` whose long_running threshold
  // comes from their history (on_long_running notifiers, no expected_duration), for those it
  // does not keep yet: one store read for all of them. A failed read is tried again next turn.
  void ReadSuccessHistory(const std::vector<const DagSpec*>& dags);
  // Commits the planner's decision, then performs its actions. A conflict (a row someone else
  // moved meanwhile) discards the decision and reloads (Reload).
  Status Commit();
  // What AddAlertDeliveries needs, answered from `writes` and the planner.
  AlertLookup AlertLookupFor(const WriteBatch& writes);
  // Starts over from the store, as a restarted scheduler would, keeping the executor and what
  // it watches: the planner's memory is dropped, nothing of the discarded decision was acted on.
  Status Reload(const Status& conflict);
  void Arm(EventLoop::TimerId* timer, TimePoint when);
  // Keeps a full or damaged database's error (kNoSpace, kCorrupt) met where other errors are
  // logged and tried again: trying again cannot help, so the turn returns it and the loop stops.
  // Returns whether `st` was one.
  bool NoteStop(const Status& st);
  // What options_.stats reports: the planner's counts, read without a store read.
  SchedulerFigures Figures() const;

  DriverOptions options_;
  Store& store_;
  Executor& executor_;
  EventLoop& loop_;
  Clock& clock_;
  DagSource& source_;
  std::unique_ptr<Planner> planner_;             // replaced by Reload()
  std::unique_ptr<LogRetention> log_retention_;  // null without options_.log_retention
  std::unique_ptr<Poker> poker_;                 // runs sensors' pokes off the loop
  bool reloading_ = false;
  std::atomic<bool> stop_{false};

  std::map<std::string, DagGraphPtr> versions_;  // "dag@hash" -> graph read from the store
  std::vector<AttemptOutcome> launch_failures_;  // handed to the planner at the next turn
  Status stop_error_;         // the first NoteStop() error; ends the loop at the end of the turn
  bool dags_loaded_ = false;  // DAG files were loaded since the last commit (Commit trims)
  uint64_t commits_ = 0;      // store transactions committed (for options_.stats)
  std::map<std::string, bool> closed_runs_to_read_;  // dag id -> scheduled, after a read failed
  // (dag id, task id) whose successes could not be read yet (ReadSuccessHistory).
  std::set<std::pair<std::string, std::string>> history_to_read_;
  TimePoint next_dag_poll_{};
  TimePoint next_command_poll_{};
  TimePoint next_lease_check_{};
  TimePoint next_abandoned_check_{};
  // Loop timers: they only wake the loop; what is due is decided from the times above and the
  // planner's own timer queue.
  EventLoop::TimerId dag_poll_timer_ = 0;
  EventLoop::TimerId command_poll_timer_ = 0;
  EventLoop::TimerId planner_timer_ = 0;
  EventLoop::TimerId lease_timer_ = 0;
};

}  // namespace sluice
