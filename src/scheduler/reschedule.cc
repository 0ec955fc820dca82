// Command sensors in the planner (issue 14). Their pokes are processes, so they are attempts:
// - `mode: poke`: the task is one process that pokes in a loop (operators/sensors/
//   command_sensor.h), dispatched and ended like any attempt, except that its timeout ends it
//   failed without a retry, or skipped with soft_fail, as a poked sensor's does.
// - `mode: reschedule`: the task waits `deferred` between pokes, holding nothing; when a poke is
//   due it goes `scheduled` into the ready queue, and each poke is one attempt (a try of its
//   own, with its own log) that waits for the limits like any process. Its exit decides: 0 ->
//   success; else the poke is recorded on the task instance as a poked sensor's is and the task
//   is `deferred` again until the next poke. The timeout counts from the first poke: the next
//   poke is never after it, a poke process gets only the time left, and a task whose time is up
//   when its poke is due ends without one.
#include <algorithm>

#include "core/operator_registry.h"
#include "core/sensor_config.h"
#include "scheduler/planner.h"
#include "time/duration.h"
#include "time/time_format.h"

namespace sluice {
namespace {

// The sensor config of a `sensor:` task that runs as processes (a command sensor), else none.
std::optional<SensorConfig> ProcessSensorOf(const TaskSpec& spec) {
  if (spec.kind != "sensor") return std::nullopt;
  auto sensor = SensorConfig::FromValue(spec.config);
  if (!sensor.ok()) return std::nullopt;
  return std::move(sensor).value();
}

std::string Outcome(const AttemptOutcome& o) {
  if (o.timed_out) return "timed out";
  if (!o.error.empty()) return o.error;
  if (o.signal) return "killed by signal " + std::to_string(*o.signal);
  if (o.exit_code) return "exit code " + std::to_string(*o.exit_code);
  return "ended";
}

std::string TimedOut(const TaskSpec& spec, const SensorConfig& sensor, const std::string& last) {
  return "sensor timed out after " + FormatDuration(spec.timeout.value_or(Duration())) +
         (sensor.soft_fail ? " (soft_fail)" : "") + (last.empty() ? "" : " (" + last + ")");
}

}  // namespace

bool Planner::IsRescheduled(const ActiveRun& run, int task) const {
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  const Operator* op = FindOperator(spec.kind);
  return op != nullptr && op->run_style(spec.config) == RunStyle::kRescheduled;
}

void Planner::QueuePoke(ActiveRun& run, int task) {
  TaskSlot& slot = run.tasks[static_cast<size_t>(task)];
  TaskInstanceRecord& rec = slot.rec;
  if (rec.pokes == 0) {
    // A new wait (or its first poke not yet ended): its timeout and its count start now.
    rec.start = now_;
    rec.last_poke_at.reset();
    rec.last_poke.clear();
  }
  rec.next_try_at.reset();
  MarkDirty(run, task);
  ready_changed_ = true;
  ready_.insert({-run.graph->task(static_cast<size_t>(task)).priority, run.rec.logical_date,
                 run.rec.dag_id, run.rec.run_id, task});
}

void Planner::PokeDue(ActiveRun& run, int task) {
  TaskInstanceRecord& rec = run.tasks[static_cast<size_t>(task)].rec;
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  if (rec.next_try_at && *rec.next_try_at > now_) {
    // Loaded deferred after a restart: its next poke stays when it was.
    AddTimer(*rec.next_try_at, Timer{Timer::Kind::kPoke, rec.dag_id, rec.run_id, rec.task_id});
    return;
  }
  std::optional<SensorConfig> sensor = ProcessSensorOf(spec);
  if (sensor && spec.timeout && rec.start && now_ >= *rec.start + *spec.timeout) {
    const std::string last =
        rec.pokes > 0 ? "poke " + std::to_string(rec.pokes) + ": " + rec.last_poke : "";
    FinishTask(run, task, sensor->soft_fail ? TaskState::kSkipped : TaskState::kFailed,
               TimedOut(spec, *sensor, last));
    return;
  }
  SetTaskState(run, task, TaskState::kScheduled, "poke " + std::to_string(rec.pokes + 1) + " due");
}

std::optional<Duration> Planner::AttemptTimeout(const ActiveRun& run, int task) const {
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  const TaskInstanceRecord& rec = run.tasks[static_cast<size_t>(task)].rec;
  if (!spec.timeout || !rec.start || !IsRescheduled(run, task)) return spec.timeout;
  // A poke gets what is left of the sensor's timeout; one that waited for a slot past it is
  // stopped at once, as a timed-out task.
  const Duration left = *rec.start + *spec.timeout - now_;
  return std::max(left, Duration(std::chrono::milliseconds(1)));
}

bool Planner::SensorAttemptEnded(ActiveRun& run, int task, const AttemptOutcome& o, bool killed,
                                 TimePoint end) {
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  std::optional<SensorConfig> sensor = ProcessSensorOf(spec);
  // Stopped by hand: failed without a retry, as any task (run_progress.cc).
  if (!sensor || killed) return false;
  const TaskState timed_out = sensor->soft_fail ? TaskState::kSkipped : TaskState::kFailed;
  if (!IsRescheduled(run, task)) {
    if (!o.timed_out) return false;
    // Not retried: another wait would meet the same missing condition.
    FinishTask(run, task, timed_out, TimedOut(spec, *sensor, ""), end);
    return true;
  }
  TaskInstanceRecord& rec = run.tasks[static_cast<size_t>(task)].rec;
  if (!o.error.empty() && !o.lost) {
    // The poke could not start (its template, the executor): the sensor cannot tell.
    FinishTask(run, task, TaskState::kFailed, o.error, end);
    return true;
  }
  rec.pokes += 1;
  rec.last_poke_at = end;
  rec.last_poke = Outcome(o);
  MarkDirty(run, task);
  const std::string found = "poke " + std::to_string(rec.pokes) + ": " + rec.last_poke;
  if (o.exit_code && *o.exit_code == 0 && !o.timed_out && o.error.empty()) {
    FinishTask(run, task, TaskState::kSuccess, found, end);
    return true;
  }
  const TimePoint start = rec.start.value_or(now_);
  if (o.timed_out || (spec.timeout && now_ >= start + *spec.timeout)) {
    FinishTask(run, task, timed_out, TimedOut(spec, *sensor, found), end);
    return true;
  }
  TimePoint next = now_ + PokeInterval(*sensor, rec.pokes);
  if (spec.timeout) next = std::min(next, start + *spec.timeout);
  rec.next_try_at = next;
  SetTaskState(run, task, TaskState::kDeferred, found + "; next poke at " + FormatIsoUtc(next));
  AddTimer(next, Timer{Timer::Kind::kPoke, rec.dag_id, rec.run_id, rec.task_id});
  return true;
}

}  // namespace sluice
