// How runs advance: loading, readiness by upstream counters, task state changes, run
// completion, and re-binding open runs to a new DAG version.
#include <algorithm>

#include "scheduler/max_active_runs.h"
#include "scheduler/planner.h"
#include "scheduler/run_builder.h"
#include "util/check.h"

namespace sluice {

Planner::ActiveRun* Planner::AddRun(RunRecord rec, std::vector<TaskInstanceRecord> tis,
                                    const DagGraphPtr& graph, bool stored) {
  auto run = std::make_unique<ActiveRun>();
  run->rec = std::move(rec);
  if (stored) run->stored = run->rec.state;
  run->graph = graph;
  run->tasks.resize(graph->size());
  std::vector<bool> present(graph->size(), false);
  for (auto& ti : tis) {
    TaskSlot slot;
    if (stored) slot.stored = ti.state;
    slot.rec = std::move(ti);
    int i = graph->IndexOf(slot.rec.task_id);
    if (i < 0) {
      run->removed.push_back(std::move(slot));
      continue;
    }
    present[static_cast<size_t>(i)] = true;
    run->tasks[static_cast<size_t>(i)] = std::move(slot);
  }
  for (size_t i = 0; i < graph->size(); ++i) {
    if (present[i]) continue;
    auto& ti = run->tasks[i].rec;
    ti.dag_id = run->rec.dag_id;
    ti.run_id = run->rec.run_id;
    ti.task_id = graph->task(i).id;
  }
  RunKey key{run->rec.dag_id, run->rec.run_id};
  ActiveRun* raw = run.get();
  runs_[key] = std::move(run);
  if (stored) {
    // A running run counts against max_active_runs from the moment it is held.
    if (raw->rec.state == RunState::kRunning) ++dags_[key.first].running_runs;
  } else {
    MarkRunDirty(*raw);
    // A run the planner creates follows the newest closed run before it for depends_on_past;
    // later closings update this (NoteClosed), so it never depends on what ClosedRuns prunes.
    if (const RunOutcomes* before = closed_.NewestBefore(key.first, raw->rec.logical_date)) {
      raw->previous = *before;
    }
  }
  RebindRun(*raw, graph);
  for (size_t i = 0; i < graph->size(); ++i) {
    if (!present[i] || !stored) MarkDirty(*raw, static_cast<int>(i));
  }
  return raw;
}

Planner::TaskSlot* Planner::FindSlot(ActiveRun& run, const std::string& task_id) {
  int i = run.graph->IndexOf(task_id);
  if (i >= 0) return &run.tasks[static_cast<size_t>(i)];
  for (auto& slot : run.removed) {
    if (slot.rec.task_id == task_id) return &slot;
  }
  return nullptr;
}

// Recomputes the counters, `unfinished`, and the ready and retry queues of `run` for `graph`.
// Tasks not in `graph` become removed (a running one is stopped); new tasks start at none.
void Planner::RebindRun(ActiveRun& run, DagGraphPtr graph) {
  const RunKey key{run.rec.dag_id, run.rec.run_id};
  ForgetReady(key);
  const bool graph_changed = graph != run.graph;
  if (graph_changed) {
    std::vector<TaskSlot> tasks(graph->size());
    std::vector<bool> kept(run.graph->size(), false);
    for (size_t i = 0; i < graph->size(); ++i) {
      int old = run.graph->IndexOf(graph->task(i).id);
      if (old >= 0) {
        tasks[i] = std::move(run.tasks[static_cast<size_t>(old)]);
        kept[static_cast<size_t>(old)] = true;
      } else {
        tasks[i].rec.dag_id = key.first;
        tasks[i].rec.run_id = key.second;
        tasks[i].rec.task_id = graph->task(i).id;
        // A task removed earlier and now back starts again, with a full retry budget, but its
        // tries go on from the removed ones: an attempt of the removed task may still be
        // stopping, and a try number (its attempt's key and log) is never used twice.
        auto back = std::find_if(run.removed.begin(), run.removed.end(), [&](const TaskSlot& r) {
          return r.rec.task_id == graph->task(i).id;
        });
        if (back != run.removed.end()) {
          tasks[i].rec.try_number = back->rec.try_number;
          tasks[i].rec.retry_base = back->rec.try_number;
          tasks[i].stored = back->stored;  // its row is in the store
          run.removed.erase(back);
        }
      }
    }
    for (size_t i = 0; i < run.graph->size(); ++i) {
      if (kept[i]) continue;
      TaskSlot slot = std::move(run.tasks[i]);
      const TaskInstanceRecord& ti = slot.rec;
      AttemptKey akey{ti.dag_id, ti.run_id, ti.task_id, ti.try_number};
      auto att = attempts_.find(akey);
      if (att != attempts_.end()) {
        att->second.orphaned = true;
        Kill(akey);
      }
      run.removed.push_back(std::move(slot));
    }
    run.tasks = std::move(tasks);
    run.graph = graph;
    if (run.rec.dag_hash != graph->spec().hash) {
      run.rec.dag_hash = graph->spec().hash;
      MarkRunDirty(run);
    }
    for (size_t i = 0; i < run.tasks.size(); ++i) MarkDirty(run, static_cast<int>(i));
  }
  // Task instances no longer in the graph are recorded as removed, once.
  for (auto& slot : run.removed) MarkRemoved(run, slot);
  run.unfinished = 0;
  for (size_t i = 0; i < run.tasks.size(); ++i) {
    RecountUpstream(run, i);
    if (!IsTerminal(run.tasks[i].rec.state)) ++run.unfinished;
  }
  if (graph_changed && run.rec.state == RunState::kRunning) Reactivate(run);
  ArmSlaMiss(run);
}

// Counts how `task`'s upstream tasks ended, from their states now.
void Planner::RecountUpstream(ActiveRun& run, size_t task) {
  UpstreamCounts& counts = run.tasks[task].counts;
  counts = UpstreamCounts();
  counts.total = static_cast<int>(run.graph->upstream(task).size());
  for (int up : run.graph->upstream(task)) {
    const TaskState s = run.tasks[static_cast<size_t>(up)].rec.state;
    if (IsTerminal(s)) counts.Add(s);
  }
}

void Planner::MarkRemoved(ActiveRun& run, TaskSlot& slot) {
  TaskInstanceRecord& ti = slot.rec;
  if (ti.state == TaskState::kRemoved) return;
  TaskState from = ti.state;
  ti.state = TaskState::kRemoved;
  ti.end = now_;
  decision_.writes.events.push_back(TaskStateEvent(now_, ti, from, "task removed from the dag"));
  MarkDirty(run, ti.task_id);
}

// The ready queue is ordered by priority, so a run's entries are found by a scan; runs are
// forgotten rarely (re-bound, cleared, finished), tasks are dispatched often.
void Planner::ForgetReady(const RunKey& key) {
  for (auto it = ready_.begin(); it != ready_.end();) {
    it = (it->dag_id == key.first && it->run_id == key.second) ? ready_.erase(it) : std::next(it);
  }
}

// A queued run starts: it counts against max_active_runs until it leaves memory.
void Planner::StartRun(ActiveRun& run) {
  run.rec.state = RunState::kRunning;
  if (!run.rec.start) run.rec.start = now_;
  decision_.writes.events.push_back(RunStateEvent(now_, run.rec, "queued"));
  MarkRunDirty(run);
  ++dags_[run.rec.dag_id].running_runs;
  Reactivate(run);
}

// Puts every unfinished task of a running run where it belongs: evaluated, ready or waiting
// for its retry.
void Planner::Reactivate(ActiveRun& run) {
  const RunKey key{run.rec.dag_id, run.rec.run_id};
  for (size_t i = 0; i < run.tasks.size(); ++i) {
    auto& slot = run.tasks[i];
    switch (slot.rec.state) {
      case TaskState::kNone:
        Evaluate(run, static_cast<int>(i));
        break;
      case TaskState::kScheduled:
        if (IsDeferredSensor(run, static_cast<int>(i))) {
          Defer(run, static_cast<int>(i));
          break;
        }
        ready_changed_ = true;
        ready_.insert({-run.graph->task(i).priority, run.rec.logical_date, key.first, key.second,
                       static_cast<int>(i)});
        break;
      case TaskState::kDeferred:
        // Loaded after a restart (or re-bound): poked again at once, its count kept.
        if (!IsDeferredSensor(run, static_cast<int>(i))) {
          SetTaskState(run, static_cast<int>(i), TaskState::kScheduled, "no longer a sensor");
        } else if (slot.poke_in_flight == 0) {
          RequestPoke(run, static_cast<int>(i));
        }
        break;
      case TaskState::kUpForRetry:
        AddTimer(slot.rec.next_try_at.value_or(now_),
                 Timer{Timer::Kind::kRetry, key.first, key.second, slot.rec.task_id});
        break;
      default:
        break;
    }
  }
  MaybeFinishRun(run);
}

void Planner::AdmitRuns(const std::string& dag_id) {
  auto dag_it = dags_.find(dag_id);
  // At start-up, nothing is admitted before every open run is held and counted (ResumeRuns).
  if (!resumed_ || dag_it == dags_.end() || dag_it->second.rec.paused) return;
  DagEntry& dag = dag_it->second;
  std::vector<ActiveRun*> queued;
  for (auto it = runs_.lower_bound({dag_id, ""}); it != runs_.end() && it->first.first == dag_id;
       ++it) {
    if (it->second->rec.state == RunState::kQueued) queued.push_back(it->second.get());
  }
  std::sort(queued.begin(), queued.end(), [](const ActiveRun* a, const ActiveRun* b) {
    return a->rec.logical_date < b->rec.logical_date;
  });
  for (ActiveRun* run : queued) {
    if (!MaxActiveRunsAllows(run->graph->spec(), dag.running_runs)) break;
    StartRun(*run);
  }
}

void Planner::SetTaskState(ActiveRun& run, int task, TaskState state, const std::string& detail) {
  auto& rec = run.tasks[static_cast<size_t>(task)].rec;
  if (rec.state == state) return;
  TaskState from = rec.state;
  rec.state = state;
  // A claim ends with the attempt: the owner stays (who ran it), the lease goes.
  if (from == TaskState::kRunning) rec.lease_until.reset();
  decision_.writes.events.push_back(TaskStateEvent(now_, rec, from, detail));
  MarkDirty(run, task);
  if (state == TaskState::kScheduled) {
    // A sensor waits deferred, held by no limit (sensors.cc).
    if (IsDeferredSensor(run, task)) {
      Defer(run, task);
      return;
    }
    ready_changed_ = true;
    ready_.insert({-run.graph->task(static_cast<size_t>(task)).priority, run.rec.logical_date,
                   run.rec.dag_id, run.rec.run_id, task});
  }
}

// Decides what a task in state none does now, from its upstream counters.
void Planner::Evaluate(ActiveRun& run, int task) {
  auto& slot = run.tasks[static_cast<size_t>(task)];
  if (slot.rec.state != TaskState::kNone || run.rec.state != RunState::kRunning || run.cancelled) {
    return;
  }
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  switch (EvaluateTriggerRule(spec.trigger, slot.counts)) {
    case Readiness::kWait:
      return;
    case Readiness::kRun:
      if (spec.depends_on_past && (past_unreadable_.count(run.rec.dag_id) > 0 ||
                                   !PastAllows(PreviousState(run, spec.id)))) {
        slot.waiting_on_past = true;
        return;
      }
      slot.waiting_on_past = false;
      SetTaskState(run, task, TaskState::kScheduled);
      return;
    case Readiness::kSkip:
      FinishTask(run, task, TaskState::kSkipped,
                 "trigger rule " + std::string(TriggerRuleName(spec.trigger)));
      return;
    case Readiness::kUpstreamFailed:
      FinishTask(run, task, TaskState::kUpstreamFailed,
                 "trigger rule " + std::string(TriggerRuleName(spec.trigger)));
      return;
  }
}

// Puts a task in a terminal state and lets its downstream tasks react.
void Planner::FinishTask(ActiveRun& run, int task, TaskState state, const std::string& detail,
                         std::optional<TimePoint> end) {
  auto& slot = run.tasks[static_cast<size_t>(task)];
  if (IsTerminal(slot.rec.state)) return;
  slot.rec.end = end ? std::min(*end, now_) : now_;
  slot.rec.next_try_at.reset();
  SetTaskState(run, task, state, detail);
  --run.unfinished;
  SLUICE_DCHECK(run.unfinished >= 0, "a task ends once");
  for (int down : run.graph->downstream(static_cast<size_t>(task))) {
    auto& d = run.tasks[static_cast<size_t>(down)];
    d.counts.Add(state);
    Evaluate(run, down);
  }
  if (run.graph->task(static_cast<size_t>(task)).depends_on_past) {
    RecheckDependsOnPast(run.rec.dag_id);
  }
  MaybeFinishRun(run);
}

// A run whose tasks have all ended is failed when a leaf failed or its upstream did, else
// success (DESIGN.md §2 "States").
RunState Planner::LeafState(const ActiveRun& run) const {
  for (size_t i = 0; i < run.tasks.size(); ++i) {
    if (!run.graph->is_leaf(i)) continue;
    const TaskState s = run.tasks[i].rec.state;
    if (s == TaskState::kFailed || s == TaskState::kUpstreamFailed) return RunState::kFailed;
  }
  return RunState::kSuccess;
}

void Planner::MaybeFinishRun(ActiveRun& run) {
  if (run.unfinished > 0 || run.rec.state != RunState::kRunning) return;
  // A run ends after its processes have: the attempt of a task removed from the DAG or cleared
  // may still be stopping. A restarted scheduler looks for running attempts in open runs only
  // (Store::ListRunningAttempts), so none may be left in an ended one.
  auto live = attempts_.lower_bound(AttemptKey{run.rec.dag_id, run.rec.run_id, "", 0});
  if (live != attempts_.end() && live->first.dag_id == run.rec.dag_id &&
      live->first.run_id == run.rec.run_id) {
    return;
  }
  run.rec.state = run.cancelled ? RunState::kFailed : LeafState(run);
  // When its last task ended, which is before now when that task's attempt ended while no
  // scheduler watched it (adopted after a restart).
  run.rec.end = std::optional<TimePoint>();
  for (const auto& slot : run.tasks) {
    if (slot.rec.end && (!run.rec.end || *slot.rec.end > *run.rec.end)) run.rec.end = slot.rec.end;
  }
  if (!run.rec.end || *run.rec.end > now_) run.rec.end = now_;
  decision_.writes.events.push_back(
      RunStateEvent(now_, run.rec, "running", run.cancelled ? kCancelledByHand : ""));
  MarkRunDirty(run);
  finished_runs_.emplace_back(run.rec.dag_id, run.rec.run_id);
}

// A finished run leaves memory after its final state is committed; the next queued run of
// its DAG may then start.
void Planner::DropRun(const RunKey& key) {
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  const ActiveRun& run = *it->second;
  if (run.graph->has_depends_on_past() || closed_.Tracks(key.first)) {
    RunOutcomes outcomes{run.rec.run_id, run.rec.logical_date, {}};
    for (const auto& slot : run.removed) outcomes.states[slot.rec.task_id] = slot.rec.state;
    for (const auto& slot : run.tasks) outcomes.states[slot.rec.task_id] = slot.rec.state;
    NoteClosed(key.first, std::move(outcomes));
  }
  const bool was_running = run.rec.state != RunState::kQueued;
  ForgetReady(key);
  runs_.erase(it);
  if (was_running) --dags_[key.first].running_runs;
  AdmitRuns(key.first);
}

// The state of `task_id` in the run before `run`: the newest logical date strictly before its
// own, the greater run id among runs of that date (as Airflow, a run of the same logical date
// is not a previous run). It is an open run in memory, a closed one kept for depends_on_past,
// or the one the store had when `run` was loaded. None when there is no earlier run or the
// task was not in it.
std::optional<TaskState> Planner::PreviousState(const ActiveRun& run,
                                                const std::string& task_id) const {
  std::optional<PastTask> past = PreviousTask(run, task_id);
  return past ? past->state : std::nullopt;
}

std::optional<PastTask> Planner::PreviousTask(const ActiveRun& run,
                                              const std::string& task_id) const {
  const ActiveRun* open = nullptr;
  for (auto it = runs_.lower_bound({run.rec.dag_id, ""});
       it != runs_.end() && it->first.first == run.rec.dag_id; ++it) {
    const RunRecord& r = it->second->rec;
    if (r.logical_date >= run.rec.logical_date) continue;
    if (!open ||
        std::pair(r.logical_date, r.run_id) > std::pair(open->rec.logical_date, open->rec.run_id)) {
      open = it->second.get();
    }
  }
  const RunOutcomes* closed = closed_.NewestBefore(run.rec.dag_id, run.rec.logical_date);
  if (run.previous && (!closed || std::pair(run.previous->logical_date, run.previous->run_id) >
                                      std::pair(closed->logical_date, closed->run_id))) {
    closed = &*run.previous;
  }
  if (open && (!closed || std::pair(open->rec.logical_date, open->rec.run_id) >=
                              std::pair(closed->logical_date, closed->run_id))) {
    PastTask past{open->rec.run_id, std::nullopt};
    int i = open->graph->IndexOf(task_id);
    if (i >= 0) {
      past.state = open->tasks[static_cast<size_t>(i)].rec.state;
      return past;
    }
    for (const auto& slot : open->removed) {
      if (slot.rec.task_id == task_id) {
        past.state = slot.rec.state;
        break;
      }
    }
    return past;
  }
  if (!closed) return std::nullopt;
  PastTask past{closed->run_id, std::nullopt};
  auto it = closed->states.find(task_id);
  if (it != closed->states.end()) past.state = it->second;
  return past;
}

// A run of `dag_id` closed (or a closed run changed): kept for runs created later, and it is
// now the previous run of every open run after it whose previous run is older.
void Planner::NoteClosed(const std::string& dag_id, RunOutcomes outcomes) {
  // A mark of a closed run changes it without the planner holding it.
  external_waits_.Changed(dag_id, outcomes.logical_date);
  const auto closed_key = std::pair(outcomes.logical_date, outcomes.run_id);
  for (auto it = runs_.lower_bound({dag_id, ""}); it != runs_.end() && it->first.first == dag_id;
       ++it) {
    ActiveRun& open = *it->second;
    if (open.rec.logical_date <= outcomes.logical_date) continue;
    if (!open.previous ||
        closed_key >= std::pair(open.previous->logical_date, open.previous->run_id)) {
      open.previous = outcomes;
    }
  }
  if (closed_.Tracks(dag_id)) closed_.Add(dag_id, std::move(outcomes), ClosedRunsFloor(dag_id));
}

void Planner::RecheckDependsOnPast(const std::string& dag_id) {
  for (auto it = runs_.lower_bound({dag_id, ""}); it != runs_.end() && it->first.first == dag_id;
       ++it) {
    ActiveRun& run = *it->second;
    for (size_t i = 0; i < run.tasks.size(); ++i) {
      if (run.tasks[i].waiting_on_past) Evaluate(run, static_cast<int>(i));
    }
  }
}

void Planner::FireRetry(const Timer& timer) {
  auto it = runs_.find({timer.dag_id, timer.run_id});
  if (it == runs_.end() || it->second->rec.state != RunState::kRunning) return;
  int task = it->second->graph->IndexOf(timer.task_id);
  if (task < 0) return;
  auto& rec = it->second->tasks[static_cast<size_t>(task)].rec;
  // The retry wait (retry_policy.h) is over when its timer fires; a task cleared or ended
  // meanwhile is no longer waiting.
  if (rec.state != TaskState::kUpForRetry) return;
  // A timer of an earlier wait (the task was cleared and failed again meanwhile) is not this
  // wait's end.
  if (rec.next_try_at && *rec.next_try_at > now_) return;
  rec.next_try_at.reset();
  SetTaskState(*it->second, task, TaskState::kScheduled, "retry delay over");
}

}  // namespace sluice
