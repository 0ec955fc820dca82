// The planner's own bookkeeping: loading what the store holds, recovery after a restart, its
// timer queue, and turning what changed into one Decision.
#include "scheduler/planner.h"

#include <algorithm>

#include "scheduler/pool_limit.h"
#include "scheduler/run_builder.h"
#include "util/check.h"

namespace sluice {

std::string AttemptPath(const std::string& logs_dir, const AttemptKey& key) {
  std::string path = logs_dir + "/" + key.dag_id + "/" + key.run_id + "/" + key.task_id;
  // '@' is not allowed in task ids, so TASK@3.1 cannot be read as another task's try.
  if (key.map_index) path += "@" + std::to_string(*key.map_index);
  return path + "." + std::to_string(key.try_number);
}

Planner::Planner(PlannerOptions options) : options_(std::move(options)) {
  limits_.push_back(MakeParallelismLimit(options_.parallelism));
  limits_.push_back(MakeMaxActiveTasksLimit());
  auto pools = std::make_unique<PoolLimit>(options_.pools, options_.parallelism);
  pools_ = pools.get();
  limits_.push_back(std::move(pools));
}

Planner::~Planner() = default;

void Planner::LoadDag(const DagRecord& rec) { dags_[rec.dag_id].rec = rec; }

void Planner::LoadRun(StoredRun stored) {
  versions_[stored.run.dag_id + "@" + stored.run.dag_hash] = stored.graph;
  ActiveRun* run = AddRun(std::move(stored.run), std::move(stored.task_instances), stored.graph,
                          /*stored=*/true);
  run->previous = std::move(stored.previous);
}

void Planner::TrackClosedRuns(const std::string& dag_id, std::vector<RunOutcomes> runs,
                              std::optional<TimePoint> floor, TimePoint now) {
  now_ = now;
  closed_.Track(dag_id, std::move(runs), floor);
  if (past_unreadable_.erase(dag_id) > 0) RecheckDependsOnPast(dag_id);
}

std::optional<TimePoint> Planner::LastScheduled(const std::string& dag_id) const {
  auto it = dags_.find(dag_id);
  return it == dags_.end() ? std::nullopt : it->second.rec.last_scheduled;
}

void Planner::NoteLaunched(const AttemptKey& key, int64_t pid) {
  auto it = attempts_.find(key);
  if (it != attempts_.end()) it->second.rec.pid = pid;
}

std::optional<TimePoint> Planner::ClosedRunsFloor(const std::string& dag_id, bool scheduled) const {
  // A DAG without a schedule only gets manual runs, at the current time: the newest closed run
  // is the only one a later run can follow.
  if (!scheduled) return TimePoint::max();
  return LastScheduled(dag_id);
}

std::optional<TimePoint> Planner::ClosedRunsFloor(const std::string& dag_id) const {
  auto it = dags_.find(dag_id);
  const bool scheduled =
      it == dags_.end() || !it->second.graph || it->second.graph->timetable() != nullptr;
  return ClosedRunsFloor(dag_id, scheduled);
}

void Planner::RecoverAttempt(const AttemptRecord& stored, const Status& adopted, TimePoint now) {
  now_ = now;
  AttemptRecord rec = stored;
  AttemptKey key{rec.dag_id, rec.run_id, rec.task_id, rec.try_number, rec.map_index};
  auto run_it = runs_.find({rec.dag_id, rec.run_id});
  ActiveRun* run = run_it == runs_.end() ? nullptr : run_it->second.get();
  int task = run ? run->graph->IndexOf(rec.task_id) : -1;
  TaskSlot* slot = task >= 0 ? &run->tasks[static_cast<size_t>(task)] : nullptr;
  const bool owned =
      slot && slot->rec.try_number == rec.try_number &&
      (slot->rec.state == TaskState::kRunning || slot->rec.state == TaskState::kQueued);
  if (adopted.code() == StatusCode::kNotFound) {
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
    return;
  }
  // Adopted, or (any other error) lost: either way its end comes back as an outcome, so it is
  // running until then. Nothing may stay running forever.
  const TaskSpec* spec = owned ? &run->graph->task(static_cast<size_t>(task)) : nullptr;
  AttemptStarted(rec, spec, run ? &run->graph->spec() : nullptr, !owned);
  // Cleared while no scheduler was watching it, or a user's kill that may not have been sent.
  if (!owned || rec.kill_requested) Kill(key);
  if (owned && slot->rec.state == TaskState::kQueued) {
    SetTaskState(*run, task, TaskState::kRunning, "recovered");
  }
}

bool Planner::HeldElsewhere(const AttemptRecord& attempt) const {
  auto it = runs_.find({attempt.dag_id, attempt.run_id});
  if (it == runs_.end()) return false;
  const int i = it->second->graph->IndexOf(attempt.task_id);
  if (i < 0) return false;
  const TaskInstanceRecord& ti = it->second->tasks[static_cast<size_t>(i)].rec;
  return ti.state == TaskState::kRunning && ti.try_number == attempt.try_number &&
         !ti.owner.empty() && ti.owner != options_.executor;
}

void Planner::PruneHeldElsewhere() {
  for (auto it = held_elsewhere_.begin(); it != held_elsewhere_.end();) {
    AttemptRecord probe;
    probe.dag_id = it->dag_id;
    probe.run_id = it->run_id;
    probe.task_id = it->task_id;
    probe.try_number = it->try_number;
    it = HeldElsewhere(probe) ? std::next(it) : held_elsewhere_.erase(it);
  }
}

void Planner::RequeueUnattended(TimePoint now) {
  now_ = now;
  for (auto& [key, run] : runs_) {
    for (size_t i = 0; i < run->tasks.size(); ++i) {
      auto& rec = run->tasks[i].rec;
      if (rec.state != TaskState::kQueued && rec.state != TaskState::kRunning) continue;
      // Another executor runs it: it reports the end, or its lease runs out.
      if (rec.state == TaskState::kRunning && !rec.owner.empty() &&
          rec.owner != options_.executor) {
        held_elsewhere_.insert(
            {rec.dag_id, rec.run_id, rec.task_id, rec.try_number, rec.map_index});
        continue;
      }
      AttemptKey akey{rec.dag_id, rec.run_id, rec.task_id, rec.try_number};
      if (attempts_.count(akey)) continue;
      SetTaskState(*run, static_cast<int>(i), TaskState::kScheduled, "recovered: no attempt");
    }
  }
}

void Planner::ResumeRuns(TimePoint now) {
  now_ = now;
  resumed_ = true;
  for (const auto& [key, run] : runs_) {
    if (run->rec.state == RunState::kRunning) Reactivate(*run);
  }
  for (auto& [id, dag] : dags_) AdmitRuns(id);
}

void Planner::KillAll() {
  for (const auto& [key, attempt] : attempts_) Kill(key);
}

void Planner::Kill(const AttemptKey& key) {
  SLUICE_DCHECK(attempts_.count(key) == 1, "only a running attempt is killed");
  decision_.actions.emplace_back(std::in_place_type<KillAction>, KillAction{key});
}

TimePoint Planner::NextWakeup() const {
  return timers_.empty() ? TimePoint::max() : timers_.begin()->first;
}

bool Planner::HasReadyWork() const {
  if (!pending_outcomes_.empty()) return true;
  if (!ready_changed_) return false;
  return std::none_of(limits_.begin(), limits_.end(),
                      [](const auto& limit) { return limit->Saturated(); });
}

std::vector<PoolUsage> Planner::Pools() const {
  std::vector<PoolUsage> out = pools_->Usage();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < out.size(); ++i) index[out[i].pool] = i;
  for (const auto& [key, run] : runs_) {
    if (run->rec.state != RunState::kRunning) continue;
    for (size_t i = 0; i < run->tasks.size(); ++i) {
      if (run->tasks[i].rec.state != TaskState::kScheduled) continue;
      auto it = index.find(PoolLimit::PoolOf(run->graph->task(i)));
      if (it != index.end()) ++out[it->second].queued;
    }
  }
  return out;
}

void Planner::AddTimer(TimePoint when, Timer timer) { timers_.insert({when, std::move(timer)}); }

void Planner::OnTick(TimePoint now) {
  now_ = now;
  std::vector<AttemptOutcome> pending = std::move(pending_outcomes_);
  pending_outcomes_.clear();
  for (const auto& o : pending) OnAttemptEnded(o, now);
  int created = 0;
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const Timer timer = timers_.begin()->second;
    if (timer.kind == Timer::Kind::kSchedule) {
      // A long catchup backlog is created a bounded number at a time; the rest stay due.
      if (created >= options_.max_runs_created_per_turn) break;
      ++created;
    }
    timers_.erase(timers_.begin());
    armed_ = TimePoint::max();  // the loop's timer for it is spent: the next one is armed anew
    if (FireAlertTimer(timer)) continue;
    if (timer.kind == Timer::Kind::kRetry) {
      FireRetry(timer);
    } else if (timer.kind == Timer::Kind::kPoke) {
      FirePoke(timer);
    } else {
      CreateDueRun(timer.dag_id);
    }
  }
  Dispatch();
}

bool Planner::HoldsRun(const std::string& dag_id, const std::string& run_id) const {
  return runs_.count({dag_id, run_id}) > 0;
}

std::optional<TimePoint> Planner::LogicalDateOf(const std::string& dag_id,
                                                const std::string& run_id) const {
  auto it = runs_.find({dag_id, run_id});
  if (it == runs_.end()) return std::nullopt;
  return it->second->rec.logical_date;
}

std::optional<RunState> Planner::RunStateOf(const std::string& dag_id,
                                            const std::string& run_id) const {
  auto it = runs_.find({dag_id, run_id});
  if (it == runs_.end()) return std::nullopt;
  return it->second->rec.state;
}

DagGraphPtr Planner::FindVersion(const std::string& dag_id, const std::string& hash) const {
  auto it = versions_.find(dag_id + "@" + hash);
  return it == versions_.end() ? nullptr : it->second;
}

DagGraphPtr Planner::CurrentGraph(const std::string& dag_id) const {
  auto it = dags_.find(dag_id);
  return it == dags_.end() || it->second.rec.deleted ? nullptr : it->second.graph;
}

Decision Planner::TakeDecision() {
  // A finished run leaves memory once its final state is in the writes; dropping it may admit
  // the next queued run of its DAG, whose start belongs in the same commit.
  for (;;) {
    // External sensors woken by this decision's changes are met (or not) within it.
    WakeExternalWaiters();
    // New rows go in the DAG's task order, the order the store lists a run's task instances.
    std::vector<std::pair<int, TaskSlot*>> fresh;
    for (const auto& [key, task_id] : dirty_tasks_) {
      auto it = runs_.find(key);
      TaskSlot* slot = it == runs_.end() ? nullptr : FindSlot(*it->second, task_id);
      if (!slot) continue;
      // What the store holds is written as a transition from the state it holds, so a row
      // someone else moved meanwhile fails the commit instead of being overwritten.
      if (slot->stored) {
        decision_.writes.task_transitions.push_back({slot->rec, *slot->stored});
        slot->stored = slot->rec.state;
      } else {
        const int index = it->second->graph->IndexOf(task_id);
        fresh.emplace_back(index < 0 ? it->second->graph->size() : index, slot);
      }
    }
    dirty_tasks_.clear();
    // Sorted per run: dirty_tasks_ lists a run's task instances together.
    for (size_t begin = 0, end = 0; begin < fresh.size(); begin = end) {
      const TaskInstanceRecord& first = fresh[begin].second->rec;
      for (end = begin; end < fresh.size() && fresh[end].second->rec.dag_id == first.dag_id &&
                        fresh[end].second->rec.run_id == first.run_id;
           ++end) {
      }
      std::sort(fresh.begin() + static_cast<std::ptrdiff_t>(begin),
                fresh.begin() + static_cast<std::ptrdiff_t>(end),
                [](const auto& a, const auto& b) { return a.first < b.first; });
    }
    for (auto& [index, slot] : fresh) {
      decision_.writes.task_instances.push_back(slot->rec);
      slot->stored = slot->rec.state;
    }
    for (const auto& key : dirty_runs_) {
      auto it = runs_.find(key);
      if (it == runs_.end()) continue;
      ActiveRun& run = *it->second;
      if (run.stored) {
        decision_.writes.run_transitions.push_back({run.rec, *run.stored});
      } else {
        decision_.writes.runs.push_back(run.rec);
      }
      run.stored = run.rec.state;
    }
    dirty_runs_.clear();
    if (finished_runs_.empty()) break;
    std::vector<RunKey> finished = std::move(finished_runs_);
    finished_runs_.clear();
    for (const auto& key : finished) DropRun(key);
  }
  for (const auto& id : dirty_dags_) {
    auto it = dags_.find(id);
    if (it != dags_.end()) decision_.writes.dags.push_back(it->second.rec);
  }
  dirty_dags_.clear();
  for (auto& [key, rec] : attempt_writes_) decision_.writes.attempts.push_back(std::move(rec));
  attempt_writes_.clear();
  const TimePoint wake = NextWakeup();
  if (wake != armed_) {
    armed_ = wake;
    if (wake != TimePoint::max())
      decision_.actions.emplace_back(std::in_place_type<ArmTimerAction>, ArmTimerAction{wake});
  }
  Decision out = std::move(decision_);
  decision_ = Decision();
  return out;
}

void Planner::MarkDirty(ActiveRun& run, int task) {
  MarkDirty(run, run.tasks[static_cast<size_t>(task)].rec.task_id);
}

// Every change of a run the planner makes passes here: it wakes the external sensors waiting
// for the run (external_waits.h).
void Planner::MarkDirty(ActiveRun& run, const std::string& task_id) {
  dirty_tasks_.insert({{run.rec.dag_id, run.rec.run_id}, task_id});
  external_waits_.Changed(run.rec.dag_id, run.rec.logical_date, run.rec.run_id, task_id);
}

void Planner::MarkRunDirty(ActiveRun& run) {
  dirty_runs_.insert({run.rec.dag_id, run.rec.run_id});
  external_waits_.Changed(run.rec.dag_id, run.rec.logical_date);
}

void Planner::RecordAttempt(const AttemptRecord& rec) {
  attempt_writes_[AttemptKey{rec.dag_id, rec.run_id, rec.task_id, rec.try_number, rec.map_index}] =
      rec;
}

}  // namespace sluice
