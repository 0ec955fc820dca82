// The loop itself: start-up recovery, one turn, and the write-then-act order of a turn.
#include "scheduler/scheduler.h"

#include <algorithm>
#include <cstdio>

namespace sluice {

Scheduler::Scheduler(SchedulerOptions options, Store& store, Executor& executor, Clock& clock,
                     DagSource& dags)
    : options_(std::move(options)),
      store_(store),
      executor_(executor),
      clock_(clock),
      source_(dags) {}

Scheduler::~Scheduler() = default;

void Scheduler::RequestStop() {
  stop_.store(true);
  executor_.Wake();
}

void Scheduler::KillAll() {
  for (const auto& [key, attempt] : attempts_) executor_.Kill(key);
}

Status Scheduler::Start() {
  SLUICE_ASSIGN_OR_RETURN(auto dag_records, store_.ListDags());
  for (auto& rec : dag_records) dags_[rec.dag_id].rec = std::move(rec);

  if (options_.recover_open_runs) {
    RunFilter open;
    open.states = {RunState::kQueued, RunState::kRunning};
    SLUICE_ASSIGN_OR_RETURN(auto runs, store_.ListRuns(open));
    std::reverse(runs.begin(), runs.end());  // oldest first, so admission keeps date order
    for (const auto& run : runs) SLUICE_RETURN_IF_ERROR(LoadRun(run));
    SLUICE_RETURN_IF_ERROR(RecoverAttempts());
  }

  // The DAG folder is read before anything is scheduled, so new versions apply at once.
  PollDagSource();
  const TimePoint now = clock_.Now();
  next_dag_poll_ = now + options_.dag_poll_interval;
  next_command_poll_ = options_.handle_commands ? now : TimePoint::max();
  for (const auto& [key, run] : runs_) {
    if (run->rec.state == RunState::kRunning) StartRun(*run);
  }
  for (auto& [id, dag] : dags_) AdmitRuns(id);
  return Flush();
}

Status Scheduler::RecoverAttempts() {
  SLUICE_ASSIGN_OR_RETURN(auto running, store_.ListRunningAttempts());
  const TimePoint now = clock_.Now();
  for (auto& rec : running) {
    AttemptKey key{rec.dag_id, rec.run_id, rec.task_id, rec.try_number};
    const std::string path = AttemptPath(key);
    auto run_it = runs_.find({rec.dag_id, rec.run_id});
    ActiveRun* run = run_it == runs_.end() ? nullptr : run_it->second.get();
    int task = run ? run->graph->IndexOf(rec.task_id) : -1;
    TaskSlot* slot = task >= 0 ? &run->tasks[static_cast<size_t>(task)] : nullptr;
    const bool owned =
        slot && slot->rec.try_number == rec.try_number &&
        (slot->rec.state == TaskState::kRunning || slot->rec.state == TaskState::kQueued);
    // rec.pid is 0 when the scheduler died before recording it; the executor then tells a
    // live supervisor by its lock alone.
    Status st = executor_.Adopt(AdoptRequest{key, path});
    if (st.code() == StatusCode::kNotFound) {
      // The previous scheduler persisted the attempt but died before launching it: the task
      // never started, so the try is given back and the task goes back to the ready queue.
      rec.state = AttemptState::kFailed;
      rec.end = now;
      rec.error = "never started: the scheduler stopped before launching it";
      RecordAttempt(rec);
      if (owned) {
        slot->rec.try_number -= 1;
        SetTaskState(*run, task, TaskState::kScheduled, "recovered: attempt never started");
      }
      continue;
    }
    if (!st.ok()) {
      // Nothing may stay running forever: an attempt that cannot be watched counts as lost.
      std::fprintf(stderr, "sluice: cannot adopt %s/%s/%s try %d: %s\n", rec.dag_id.c_str(),
                   rec.run_id.c_str(), rec.task_id.c_str(), rec.try_number, st.message().c_str());
      AttemptOutcome lost;
      lost.key = key;
      lost.lost = true;
      lost.error = "lost: cannot adopt: " + st.message();
      lost.start = rec.start;
      lost.end = now;
      pending_outcomes_.push_back(std::move(lost));
    }
    RunningAttempt attempt{rec, !owned};
    attempts_[key] = std::move(attempt);
    ++running_total_;
    ++dags_[rec.dag_id].running_tasks;
    if (!owned) executor_.Kill(key);  // cleared while no scheduler was watching it
    if (owned && slot->rec.state == TaskState::kQueued) {
      SetTaskState(*run, task, TaskState::kRunning, "recovered");
    }
  }
  // Task instances that were handed to the executor but have no attempt to adopt go back to
  // the ready queue.
  for (auto& [key, run] : runs_) {
    for (size_t i = 0; i < run->tasks.size(); ++i) {
      auto& rec = run->tasks[i].rec;
      if (rec.state != TaskState::kQueued && rec.state != TaskState::kRunning) continue;
      AttemptKey akey{rec.dag_id, rec.run_id, rec.task_id, rec.try_number};
      if (attempts_.count(akey)) continue;
      SetTaskState(*run, static_cast<int>(i), TaskState::kScheduled, "recovered: no attempt");
    }
  }
  return Status::Ok();
}

TimePoint Scheduler::NextWakeup() const {
  TimePoint t = std::min(next_dag_poll_, next_command_poll_);
  if (!retry_timers_.empty()) t = std::min(t, retry_timers_.begin()->first);
  if (!schedule_timers_.empty()) t = std::min(t, schedule_timers_.begin()->first);
  return t;
}

Status Scheduler::Turn(Duration max_wait) {
  TimePoint now = clock_.Now();
  Duration wait = std::min(max_wait, std::chrono::duration_cast<Duration>(NextWakeup() - now));
  // Tasks that became ready outside a turn (TriggerRun) go at once; ones left in the queue by
  // a per-DAG limit wait for an attempt to end, which wakes the executor's Wait anyway.
  const bool can_dispatch = ready_changed_ && running_total_ < options_.parallelism;
  if (wait < Duration::zero() || !pending_outcomes_.empty() || can_dispatch) {
    wait = Duration::zero();
  }
  // Nothing to do until a task ends or a timer fires: the store's upkeep goes here, not into
  // a busy turn's commit.
  if (wait > Duration::zero()) SLUICE_RETURN_IF_ERROR(store_.Housekeep().WithContext("store"));
  std::vector<AttemptOutcome> outcomes = executor_.Wait(wait);
  for (auto& o : pending_outcomes_) outcomes.push_back(std::move(o));
  pending_outcomes_.clear();
  now = clock_.Now();

  for (const auto& o : outcomes) HandleOutcome(o);
  if (now >= next_dag_poll_) {
    PollDagSource();
    next_dag_poll_ = now + options_.dag_poll_interval;
  }
  if (now >= next_command_poll_) {
    PollCommands();
    next_command_poll_ =
        options_.handle_commands ? now + options_.command_poll_interval : TimePoint::max();
  }
  FireRetries(now);
  CreateDueRuns(now);
  std::vector<LaunchRequest> launches;
  Dispatch(&launches);
  SLUICE_RETURN_IF_ERROR(Flush());
  LaunchAll(std::move(launches));
  return Status::Ok();
}

Status Scheduler::Run() {
  while (!stop_.load()) {
    SLUICE_RETURN_IF_ERROR(Turn(std::chrono::seconds(1)));
  }
  return Flush();
}

Status Scheduler::Flush() {
  for (const auto& [key, task] : dirty_tasks_) {
    auto it = runs_.find(key);
    if (it == runs_.end()) continue;
    batch_.task_instances.push_back(it->second->tasks[static_cast<size_t>(task)].rec);
  }
  for (const auto& key : dirty_runs_) {
    auto it = runs_.find(key);
    if (it != runs_.end()) batch_.runs.push_back(it->second->rec);
  }
  for (const auto& id : dirty_dags_) {
    auto it = dags_.find(id);
    if (it != dags_.end()) batch_.dags.push_back(it->second.rec);
  }
  for (auto& [key, rec] : attempt_writes_) batch_.attempts.push_back(std::move(rec));
  attempt_writes_.clear();
  if (!batch_.empty()) {
    // Nothing is acted on until this commit succeeds; a failed commit stops the loop.
    SLUICE_RETURN_IF_ERROR(store_.Apply(batch_).WithContext("store"));
  }
  batch_ = WriteBatch();
  dirty_tasks_.clear();
  dirty_runs_.clear();
  dirty_dags_.clear();
  for (const auto& key : finished_runs_) DropRun(key);
  finished_runs_.clear();
  return Status::Ok();
}

void Scheduler::LaunchAll(std::vector<LaunchRequest> launches) {
  for (auto& req : launches) {
    auto launched = executor_.Launch(req);
    auto it = attempts_.find(req.key);
    if (it == attempts_.end()) continue;
    if (!launched.ok()) {
      AttemptOutcome o;
      o.key = req.key;
      o.error = launched.status().message();
      o.start = o.end = clock_.Now();
      pending_outcomes_.push_back(std::move(o));
      continue;
    }
    // Kept for the attempt's next write (its end), not written now: a restarted scheduler finds
    // a live attempt's supervisor by the lock it holds, so the pid is for people only.
    it->second.rec.pid = launched->pid;
  }
}

// Flat within the run's folder (TASK.TRY.log): a folder per task would cost a mkdir per launch.
std::string Scheduler::AttemptPath(const AttemptKey& key) const {
  return options_.logs_dir + "/" + key.dag_id + "/" + key.run_id + "/" + key.task_id + "." +
         std::to_string(key.try_number);
}

void Scheduler::MarkDirty(ActiveRun& run, int task) {
  dirty_tasks_.insert({{run.rec.dag_id, run.rec.run_id}, task});
}

void Scheduler::RecordAttempt(const AttemptRecord& rec) {
  attempt_writes_[AttemptKey{rec.dag_id, rec.run_id, rec.task_id, rec.try_number}] = rec;
}

void Scheduler::MarkRunDirty(ActiveRun& run) {
  dirty_runs_.insert({run.rec.dag_id, run.rec.run_id});
}

}  // namespace sluice
