// Sensors in the planner: a `sensor:` task whose type the scheduler pokes (sluice/sensor.h)
// waits `deferred` from the moment it is ready, holding no executor slot, no limit's slot and
// no process. Each poke is an action the driver hands to its poker thread; its result comes back
// as an event (OnPokeResult), is recorded on the task instance (count, time, what it found) and
// decides: met -> success; past the timeout (from the first poke) -> failed, or skipped with
// soft_fail; else a poke timer. A deferred task instance's next_try_at is its next poke.
#include <filesystem>

#include "core/operator_registry.h"
#include "core/sensor_config.h"
#include "core/sensor_registry.h"
#include "scheduler/planner.h"
#include "time/duration.h"
#include "time/time_format.h"

namespace sluice {
namespace {

std::string Pokes(int n) { return std::to_string(n) + (n == 1 ? " poke" : " pokes"); }

}  // namespace

bool Planner::IsDeferredSensor(const ActiveRun& run, int task) const {
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  const Operator* op = FindOperator(spec.kind);
  return op != nullptr && op->run_style(spec.config) != RunStyle::kProcess;
}

void Planner::Defer(ActiveRun& run, int task) {
  if (IsRescheduled(run, task)) {
    QueuePoke(run, task);  // its pokes are processes (reschedule.cc)
    return;
  }
  auto& slot = run.tasks[static_cast<size_t>(task)];
  auto& rec = slot.rec;
  // A new wait: its timeout and its count start now.
  rec.start = now_;
  rec.pokes = 0;
  rec.last_poke_at.reset();
  rec.last_poke.clear();
  rec.next_try_at = now_;
  slot.poke_memo = Value();
  slot.poke_in_flight = 0;
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  SetTaskState(run, task, TaskState::kDeferred,
               FindOperator(spec.kind)->Describe(spec.config) + ": first poke now");
  RequestPoke(run, task);
}

void Planner::RequestPoke(ActiveRun& run, int task) {
  if (IsExternalSensor(run, task)) {  // woken by the other run, not poked (external_waits.cc)
    CheckExternal(run, task, /*wake=*/false);
    return;
  }
  if (IsRescheduled(run, task)) {
    PokeDue(run, task);
    return;
  }
  auto& slot = run.tasks[static_cast<size_t>(task)];
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  Result<SensorConfig> sensor = SensorConfig::FromValue(spec.config);
  std::string error;
  const RunTemplate* run_template = sensor.ok() ? RunTemplateOf(run, &error) : nullptr;
  PokeRequest req;
  if (!sensor.ok()) error = sensor.status().message();
  if (run_template != nullptr) {
    const TemplateContext ctx = run_template->ForAttempt(spec.id, slot.rec.try_number);
    Result<Value> config = RenderSensorConfig(sensor->config, ctx);
    // Relative paths are the task's cwd's, else the DAG file's folder's, as for a process.
    std::filesystem::path dir = std::filesystem::path(run.graph->spec().file).parent_path();
    std::string cwd;
    if (!spec.cwd.empty()) {
      Result<std::string> rendered = RenderTemplate(spec.cwd, ctx);
      if (rendered.ok()) {
        cwd = *rendered;
      } else {
        error = rendered.status().message();
      }
    }
    if (!config.ok()) {
      error = config.status().message();
    } else {
      req.config = std::move(*config);
    }
    if (!cwd.empty() && cwd[0] == '/') {
      req.base_dir = cwd;
    } else {
      req.base_dir = (dir.empty() ? std::filesystem::path(".") : dir / cwd).string();
      if (!req.base_dir.empty() && req.base_dir.back() == '/') req.base_dir.pop_back();
    }
  }
  if (!error.empty()) {
    // It cannot be poked (a template that does not render): it fails, as a process that
    // cannot start does.
    slot.rec.next_try_at.reset();
    FinishTask(run, task, TaskState::kFailed, error);
    return;
  }
  // A moment (`time`): a timer, no poke. Due already: met.
  if (const SensorType* type = FindSensorType(sensor->type)) {
    const SensorRun info{run.rec.data_interval_end, run.graph->spec().timezone};
    Result<std::optional<TimePoint>> at = type->MetAt(req.config, info);
    if (!at.ok()) {
      slot.rec.next_try_at.reset();
      FinishTask(run, task, TaskState::kFailed, at.status().message());
      return;
    }
    if (*at) {
      const TimePoint when = **at;
      if (now_ >= when) {
        slot.rec.next_try_at.reset();
        slot.rec.last_poke = "it is " + FormatIsoUtc(when) + " (" + info.timezone + ")";
        slot.rec.last_poke_at = now_;
        FinishTask(run, task, TaskState::kSuccess, "time " + FormatIsoUtc(when) + " reached");
        return;
      }
      if (slot.rec.next_try_at != when) {
        slot.rec.next_try_at = when;
        slot.rec.last_poke = "waiting until " + FormatIsoUtc(when) + " (" + info.timezone + ")";
        MarkDirty(run, task);
      }
      AddTimer(when, Timer{Timer::Kind::kPoke, run.rec.dag_id, run.rec.run_id, spec.id});
      return;
    }
  }
  req.dag_id = run.rec.dag_id;
  req.run_id = run.rec.run_id;
  req.task_id = spec.id;
  req.id = ++last_poke_id_;
  req.type = sensor->type;
  req.memo = slot.poke_memo;
  req.now = now_;
  slot.poke_in_flight = req.id;
  decision_.actions.emplace_back(std::in_place_type<PokeAction>, PokeAction{std::move(req)});
}

void Planner::OnPokeResult(const PokeOutcome& o, TimePoint now) {
  now_ = now;
  if (OnExternalResult(o)) return;
  auto it = runs_.find({o.dag_id, o.run_id});
  if (it == runs_.end() || it->second->rec.state != RunState::kRunning) return;
  ActiveRun& run = *it->second;
  const int task = run.graph->IndexOf(o.task_id);
  if (task < 0) return;
  TaskSlot& slot = run.tasks[static_cast<size_t>(task)];
  if (slot.rec.state != TaskState::kDeferred || slot.poke_in_flight != o.id) return;
  slot.poke_in_flight = 0;
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  Result<SensorConfig> sensor = SensorConfig::FromValue(spec.config);
  if (!sensor.ok()) return;
  TaskInstanceRecord& rec = slot.rec;
  rec.pokes += 1;
  rec.last_poke_at = now_;
  rec.last_poke = o.result.outcome == PokeResult::Outcome::kError ? "error: " + o.result.detail
                                                                  : o.result.detail;
  slot.poke_memo = o.result.memo;
  MarkDirty(run, task);
  const std::string found = "poke " + std::to_string(rec.pokes) + ": " + rec.last_poke;
  if (o.result.outcome == PokeResult::Outcome::kMet) {
    rec.next_try_at.reset();
    FinishTask(run, task, TaskState::kSuccess, found);
    return;
  }
  const TimePoint start = rec.start.value_or(now_);
  if (spec.timeout && now_ - start >= *spec.timeout) {
    // Not retried: another wait would meet the same missing condition.
    rec.next_try_at.reset();
    FinishTask(run, task, sensor->soft_fail ? TaskState::kSkipped : TaskState::kFailed,
               "sensor timed out after " + FormatDuration(*spec.timeout) +
                   (sensor->soft_fail ? " (soft_fail)" : "") + " (" + found + ")");
    return;
  }
  TimePoint next = now_ + PokeInterval(*sensor, rec.pokes);
  // The last poke is at the timeout, so a sensor never waits past it.
  if (spec.timeout) next = std::min(next, start + *spec.timeout);
  rec.next_try_at = next;
  AddTimer(next, Timer{Timer::Kind::kPoke, rec.dag_id, rec.run_id, rec.task_id});
}

void Planner::FirePoke(const Timer& timer) {
  auto it = runs_.find({timer.dag_id, timer.run_id});
  if (it == runs_.end() || it->second->rec.state != RunState::kRunning) return;
  const int task = it->second->graph->IndexOf(timer.task_id);
  if (task < 0) return;
  TaskSlot& slot = it->second->tasks[static_cast<size_t>(task)];
  // A timer of an earlier wait (cleared meanwhile, or poked again at a restart) is not due.
  if (slot.rec.state != TaskState::kDeferred || slot.poke_in_flight != 0 ||
      (slot.rec.next_try_at && *slot.rec.next_try_at > now_)) {
    return;
  }
  RequestPoke(*it->second, task);
}

std::string Planner::KillSensor(ActiveRun& run, int task) {
  TaskSlot& slot = run.tasks[static_cast<size_t>(task)];
  slot.poke_in_flight = 0;
  slot.rec.next_try_at.reset();
  const std::string pokes = Pokes(slot.rec.pokes);
  FinishTask(run, task, TaskState::kFailed, "killed by hand (a sensor, after " + pokes + ")");
  return "killed task '" + slot.rec.task_id + "' of run '" + run.rec.run_id +
         "' (a sensor waiting, after " + pokes + ")";
}

Explanation Planner::ExplainSensor(const ActiveRun& run, int task, TimePoint now) const {
  const TaskSlot& slot = run.tasks[static_cast<size_t>(task)];
  const TaskInstanceRecord& rec = slot.rec;
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  Explanation e;
  e.rule = "sensor";
  const Operator* op = FindOperator(spec.kind);
  const std::string what = op ? op->Describe(spec.config) : spec.kind;
  e.text = "waiting for " + what + ": " + Pokes(rec.pokes);
  if (rec.last_poke_at) {
    e.text += ", the last at " + FormatIsoUtc(*rec.last_poke_at) + " found: " + rec.last_poke;
  }
  e.fields["sensor"] = what;
  e.fields["pokes"] = rec.pokes;
  e.fields["last_poke"] = rec.last_poke;
  e.fields["last_poke_at"] =
      rec.last_poke_at ? nlohmann::json(FormatIsoUtc(*rec.last_poke_at)) : nlohmann::json();
  if (rec.next_try_at && *rec.next_try_at <= now) {
    e.text += "; poking now";
    e.fields["next_poke_at"] = FormatIsoUtc(now);
  } else if (rec.next_try_at) {
    e.text += "; next poke at " + FormatIsoUtc(*rec.next_try_at);
    e.fields["next_poke_at"] = FormatIsoUtc(*rec.next_try_at);
  }
  if (spec.timeout && rec.start) {
    e.text += "; times out at " + FormatIsoUtc(*rec.start + *spec.timeout);
    e.fields["timeout_at"] = FormatIsoUtc(*rec.start + *spec.timeout);
  }
  return e;
}

}  // namespace sluice
