// The planner's alert timers (issue 14): a run's SLA and an attempt running long. Each is a
// timer of the planner's queue, armed when the planner takes charge of the run (or starts or
// adopts the attempt), so a restarted scheduler re-arms them from the store, and a deadline
// that passed while it was down fires at its first tick. When one fires, what it found is
// recorded on the run (sla_missed_at) or the attempt (long_running_at) together with an event
// (kind "sla_miss" or "long_running") that alert_events.h turns into deliveries in the same
// commit: once per run, once per attempt, across restarts.
#include "scheduler/alert_events.h"
#include "scheduler/planner.h"
#include "time/duration.h"
#include "time/time_format.h"

namespace sluice {

void Planner::ArmSlaMiss(const ActiveRun& run) {
  const std::optional<Duration>& sla = run.graph->spec().sla;
  if (!sla || run.rec.sla_missed_at || IsTerminal(run.rec.state)) return;
  AddTimer(SlaDueTime(run.rec) + *sla,
           Timer{Timer::Kind::kSlaMiss, run.rec.dag_id, run.rec.run_id});
}

void Planner::FireSlaMiss(const Timer& timer) {
  auto it = runs_.find({timer.dag_id, timer.run_id});
  // A run that ended left memory (or ends in this turn): it is done, so it missed nothing.
  if (it == runs_.end()) return;
  ActiveRun& run = *it->second;
  const std::optional<Duration>& sla = run.graph->spec().sla;
  if (!sla || run.rec.sla_missed_at || IsTerminal(run.rec.state)) return;
  const TimePoint due = SlaDueTime(run.rec);
  // The DAG's sla grew since the timer was armed: the miss, if any, is later.
  if (due + *sla > now_) return ArmSlaMiss(run);
  run.rec.sla_missed_at = now_;
  MarkRunDirty(run);
  EventRecord e;
  e.time = now_;
  e.dag_id = run.rec.dag_id;
  e.run_id = run.rec.run_id;
  e.kind = "sla_miss";
  e.from = e.to = RunStateName(run.rec.state);
  e.detail = "not done " + FormatDuration(*sla) + " after it was due at " + FormatIsoUtc(due) +
             " (sla " + FormatDuration(*sla) + ")";
  decision_.writes.events.push_back(std::move(e));
}

void Planner::ArmLongRunning(const AttemptRecord& rec, const TaskSpec* spec) {
  if (spec == nullptr || rec.long_running_at || rec.state != AttemptState::kRunning) return;
  auto it = runs_.find({rec.dag_id, rec.run_id});
  if (it == runs_.end()) return;
  const DagSpec& dag = it->second->graph->spec();
  // Nobody to tell: nothing to watch.
  if (spec->on_long_running.empty() && dag.on_long_running.empty()) return;
  const std::optional<LongRunningThreshold> threshold = durations_.Threshold(rec.dag_id, *spec);
  if (!threshold) return;
  AddTimer(rec.start + threshold->limit,
           Timer{Timer::Kind::kLongRunning, rec.dag_id, rec.run_id, rec.task_id, rec.try_number});
}

void Planner::FireLongRunning(const Timer& timer) {
  auto att =
      attempts_.find(AttemptKey{timer.dag_id, timer.run_id, timer.task_id, timer.try_number});
  // Ended meanwhile (before its threshold, or in this turn): it did not run long.
  if (att == attempts_.end() || att->second.orphaned || att->second.rec.long_running_at) return;
  auto run_it = runs_.find({timer.dag_id, timer.run_id});
  if (run_it == runs_.end()) return;
  ActiveRun& run = *run_it->second;
  const int task = run.graph->IndexOf(timer.task_id);
  if (task < 0) return;
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  AttemptRecord& rec = att->second.rec;
  // The threshold as it is now: the DAG may have changed since the attempt started.
  const std::optional<LongRunningThreshold> threshold = durations_.Threshold(rec.dag_id, spec);
  if (!threshold) return;
  if (rec.start + threshold->limit > now_) return ArmLongRunning(rec, &spec);
  rec.long_running_at = now_;
  RecordAttempt(rec);
  // The task instance goes into the same batch, so the alert names its try and retry budget.
  MarkDirty(run, task);
  EventRecord e;
  e.time = now_;
  e.dag_id = rec.dag_id;
  e.run_id = rec.run_id;
  e.task_id = rec.task_id;
  e.map_index = rec.map_index;
  e.kind = "long_running";
  e.from = e.to = "running";
  e.detail = "running " + FormatDuration(now_ - rec.start) + ", longer than " +
             FormatDuration(threshold->limit) + " (" + threshold->basis + ")";
  decision_.writes.events.push_back(std::move(e));
}

void Planner::NoteSuccess(const AttemptRecord& rec) {
  if (rec.end) durations_.Add(rec.dag_id, rec.task_id, *rec.end - rec.start);
}

void Planner::TrackSuccesses(const std::string& dag_id, const std::string& task_id,
                             std::vector<Duration> newest_first) {
  durations_.Track(dag_id, task_id, std::move(newest_first));
  // Attempts that started (or were adopted) before the history came are watched now.
  for (const auto& [key, attempt] : attempts_) {
    if (key.dag_id != dag_id || key.task_id != task_id || attempt.orphaned) continue;
    auto it = runs_.find({key.dag_id, key.run_id});
    const int task = it == runs_.end() ? -1 : it->second->graph->IndexOf(task_id);
    if (task >= 0) ArmLongRunning(attempt.rec, &it->second->graph->task(static_cast<size_t>(task)));
  }
}

bool Planner::FireAlertTimer(const Timer& timer) {
  if (timer.kind == Timer::Kind::kSlaMiss) {
    FireSlaMiss(timer);
    return true;
  }
  if (timer.kind == Timer::Kind::kLongRunning) {
    FireLongRunning(timer);
    return true;
  }
  return false;
}

}  // namespace sluice
