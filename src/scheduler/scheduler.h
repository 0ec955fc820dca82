#pragma once
// The scheduler: one event loop that turns DAGs, time and ended attempts into runs, task
// instances and process launches (DESIGN.md §1). Each Turn() waits for the next event (an
// attempt ended, a timer: schedule tick, retry delay, DAG-folder poll, command poll), updates
// only the runs it touches, writes every transition in one store transaction, and only then
// launches processes. A restarted scheduler recovers from the store and adopts the attempts a
// previous one left running, so nothing is lost and nothing that finished runs again.
//
// Threading: not thread-safe; one thread calls Start() and Turn(). RequestStop() may be called
// from a signal handler.

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/template.h"
#include "executor/executor.h"
#include "scheduler/dag_graph.h"
#include "scheduler/dag_source.h"
#include "scheduler/trigger_rule.h"
#include "sluice/clock.h"
#include "sluice/store.h"

namespace sluice {

struct SchedulerOptions {
  int parallelism = 2;   // task processes at once
  std::string logs_dir;  // attempt logs go under it (DAG/RUN/TASK.TRY.log)
  std::string hostname = "localhost";
  Duration dag_poll_interval = std::chrono::seconds(1);
  Duration command_poll_interval = std::chrono::milliseconds(200);
  Duration kill_grace = std::chrono::seconds(10);
  bool schedules_enabled = true;         // false: only runs created by TriggerRun (dags test)
  bool recover_open_runs = true;         // false: leave other runs alone (dags test)
  bool handle_commands = true;           // false: leave commands to the real scheduler
  int max_runs_created_per_turn = 1000;  // bounds a turn when catchup has a long backlog
};

class Scheduler {
 public:
  // Borrows everything; all must outlive the scheduler.
  Scheduler(SchedulerOptions options, Store& store, Executor& executor, Clock& clock,
            DagSource& dags);
  ~Scheduler();

  // Loads DAG state and open runs from the store and adopts attempts left running.
  Status Start();
  // One loop turn: waits at most `max_wait` (less if a timer is due sooner) for an event,
  // then handles everything that is due. An error means the store failed: stop the loop.
  Status Turn(Duration max_wait);
  // Turns until RequestStop().
  Status Run();
  void RequestStop();
  bool stop_requested() const { return stop_.load(); }
  // Asks every running attempt to stop; their outcomes arrive through later turns.
  void KillAll();

  // Creates a manual run now (as `dags trigger` does) and returns its id.
  Result<std::string> TriggerRun(const std::string& dag_id, const std::string& params_json,
                                 std::optional<TimePoint> logical_date = std::nullopt);
  // The state of a run the scheduler holds or has finished (read from the store).
  Result<RunState> GetRunState(const std::string& dag_id, const std::string& run_id);

  size_t active_runs() const { return runs_.size(); }
  size_t running_attempts() const { return attempts_.size(); }
  // The earliest timer; TimePoint::max() when none.
  TimePoint NextWakeup() const;
  // Errors of the DAG files as last seen, by file.
  const std::map<std::string, std::vector<std::string>>& file_errors() const {
    return file_errors_;
  }

 private:
  struct TaskSlot {
    TaskInstanceRecord rec;
    UpstreamCounts counts;
    bool queued_for_dispatch = false;
    bool waiting_on_past = false;
  };
  struct ActiveRun {
    RunRecord rec;
    DagGraphPtr graph;
    std::vector<TaskSlot> tasks;                // by graph index
    std::vector<TaskInstanceRecord> removed;    // task instances no longer in the graph
    std::map<std::string, std::string> params;  // trigger-time overrides
    int unfinished = 0;                         // tasks not in a terminal state
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
    int running_tasks = 0;
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

  // Event handlers; each records its transitions into batch_.
  void PollDagSource();
  void ApplyDagVersion(const DagSpec& spec, const std::string& file);
  void PollCommands();
  void HandleCommand(const CommandRecord& command);
  Result<std::string> ClearTasks(const std::string& dag_id, const std::string& run_id,
                                 const std::string& task_id, bool downstream);
  void HandleOutcome(const AttemptOutcome& outcome);
  void CreateDueRuns(TimePoint now);
  void AdmitRuns(const std::string& dag_id);
  void FireRetries(TimePoint now);
  void Dispatch(std::vector<LaunchRequest>* launches);
  Status Flush();
  void LaunchAll(std::vector<LaunchRequest> launches);

  // Run bookkeeping.
  Status LoadRun(const RunRecord& run);
  ActiveRun* AddRun(RunRecord run, std::vector<TaskInstanceRecord> tis, DagGraphPtr graph);
  Result<DagGraphPtr> GraphForVersion(const std::string& dag_id, const std::string& hash);
  void DropRun(const RunKey& key);
  void OnDagScheduleChanged(const std::string& dag_id);
  void StartAttempt(ActiveRun& run, int task, std::vector<LaunchRequest>* launches);
  Status RecoverAttempts();
  void StartRun(ActiveRun& run);
  void Reactivate(ActiveRun& run);
  void Evaluate(ActiveRun& run, int task);
  void SetTaskState(ActiveRun& run, int task, TaskState state, const std::string& detail = "");
  void FinishTask(ActiveRun& run, int task, TaskState state, const std::string& detail = "");
  void MaybeFinishRun(ActiveRun& run);
  void RebindRun(ActiveRun& run, DagGraphPtr graph);
  bool PastSatisfied(const ActiveRun& run, int task);
  void RecheckDependsOnPast(const std::string& dag_id);
  void ScheduleNextRun(DagEntry& dag, TimePoint now);
  LaunchRequest MakeLaunch(ActiveRun& run, int task, std::string* error);
  std::string AttemptPath(const AttemptKey& key) const;
  void MarkDirty(ActiveRun& run, int task);
  void MarkRunDirty(ActiveRun& run);
  void ForgetReady(const RunKey& key);
  // Queues `rec` for this turn's commit; a later version of the same attempt replaces it.
  void RecordAttempt(const AttemptRecord& rec);

  SchedulerOptions options_;
  Store& store_;
  Executor& executor_;
  Clock& clock_;
  DagSource& source_;
  std::atomic<bool> stop_{false};

  std::map<std::string, DagEntry> dags_;
  std::map<std::string, std::vector<std::string>> file_dags_;    // file -> dag ids it defines
  std::map<std::string, std::vector<std::string>> file_errors_;  // file -> diagnostics
  std::map<std::string, DagGraphPtr> versions_;                  // "dag@hash" -> graph
  std::map<RunKey, std::unique_ptr<ActiveRun>> runs_;
  std::set<ReadyKey> ready_;
  bool ready_changed_ = false;  // ready_ gained a task since the last Dispatch
  std::multimap<TimePoint, std::pair<RunKey, std::string>> retry_timers_;  // by task id
  std::set<std::pair<TimePoint, std::string>> schedule_timers_;            // (due, dag id)
  std::map<AttemptKey, RunningAttempt> attempts_;
  std::vector<AttemptOutcome> pending_outcomes_;  // launch failures, handled next turn
  int running_total_ = 0;
  TimePoint next_dag_poll_{};
  TimePoint next_command_poll_{};

  WriteBatch batch_;
  std::set<std::pair<RunKey, int>> dirty_tasks_;
  std::set<RunKey> dirty_runs_;
  std::set<std::string> dirty_dags_;
  std::map<AttemptKey, AttemptRecord> attempt_writes_;  // attempts changed this turn
  std::vector<RunKey> finished_runs_;
};

}  // namespace sluice
