// The waiter index, the checks of `external` sensors, and the planner's side of them: register,
// check (memory or one store read), wake, time out. See external_waits.h.
#include "scheduler/external_waits.h"

#include <algorithm>

#include "core/sensor_config.h"
#include "scheduler/planner.h"
#include "time/duration.h"
#include "time/time_format.h"

namespace sluice {
namespace {

std::string Checks(int n) { return "check " + std::to_string(n); }

}  // namespace

PokeResult JudgeExternal(const ExternalSensorConfig& config, TimePoint logical_date,
                         const std::vector<ExternalRunView>& runs) {
  PokeResult out;
  if (runs.empty()) {
    out.detail = "no run of " + config.dag + " at " + FormatIsoUtc(logical_date) + " yet";
    return out;
  }
  // Two runs may share a logical date (a manual run beside a scheduled one): either will do.
  const ExternalRunView* shown = &runs.back();
  for (const ExternalRunView& run : runs) {
    const bool met = config.task.empty() ? config.Wants(run.state)
                                         : run.has_task && config.Wants(run.task_state);
    if (met) {
      shown = &run;
      out.outcome = PokeResult::Outcome::kMet;
      break;
    }
  }
  const std::string run = "run " + config.dag + "/" + shown->run_id;
  if (config.task.empty()) {
    out.detail = run + " is " + RunStateName(shown->state);
  } else if (!shown->has_task) {
    out.detail = run + " has no task " + config.task;
  } else {
    out.detail = run + ": task " + config.task + " is " + TaskStateName(shown->task_state);
  }
  return out;
}

Value ExternalReadConfig(const ExternalSensorConfig& config, TimePoint logical_date) {
  Value v = config.ToValue();
  Value::Entries entries = *v.AsMap();
  entries.emplace_back("logical_date_us",
                       Value(static_cast<int64_t>(logical_date.time_since_epoch().count())));
  return Value::FromMap(std::move(entries));
}

PokeResult ReadExternalRun(Store& store, const Value& read_config) {
  PokeResult out;
  Result<ExternalSensorConfig> config = ExternalSensorConfig::FromValue(read_config);
  const Value* date_v = read_config.Find("logical_date_us");
  if (!config.ok() || date_v == nullptr || !date_v->AsInt()) {
    out.outcome = PokeResult::Outcome::kError;
    out.detail = "an 'external' sensor's read has no DAG or logical date";
    return out;
  }
  const TimePoint date{std::chrono::microseconds(*date_v->AsInt())};
  RunFilter filter;
  filter.dag_id = config->dag;
  filter.since = date;
  Result<std::vector<RunRecord>> runs = store.ListRuns(filter);
  if (!runs.ok()) {
    out.outcome = PokeResult::Outcome::kError;
    out.detail = "cannot read the runs of " + config->dag + ": " + runs.status().message();
    return out;
  }
  std::vector<ExternalRunView> views;
  for (const RunRecord& run : *runs) {
    if (run.logical_date != date) continue;
    ExternalRunView view{run.run_id, run.state, false, TaskState::kNone};
    if (!config->task.empty()) {
      auto tis = store.ListTaskInstances(run.dag_id, run.run_id);
      if (!tis.ok()) {
        out.outcome = PokeResult::Outcome::kError;
        out.detail =
            "cannot read run " + config->dag + "/" + run.run_id + ": " + tis.status().message();
        return out;
      }
      for (const TaskInstanceRecord& ti : *tis) {
        if (ti.task_id != config->task || ti.map_index) continue;  // not a mapped instance
        view.has_task = true;
        view.task_state = ti.state;
      }
    }
    views.push_back(std::move(view));
  }
  // Listed newest first; the detail names the last of the oldest first.
  std::reverse(views.begin(), views.end());
  return JudgeExternal(*config, date, views);
}

void ExternalWaits::Add(const Waiter& waiter, const Target& target) {
  Remove(waiter);
  dags_[target.dag_id].waited[target.logical_date].insert(waiter);
  dags_[waiter.dag_id].waiting[{waiter.run_id, waiter.task_id}] = target;
  ++waiters_;
}

void ExternalWaits::Remove(const Waiter& waiter) {
  auto own = dags_.find(waiter.dag_id);
  if (own == dags_.end()) return;
  auto it = own->second.waiting.find({waiter.run_id, waiter.task_id});
  if (it == own->second.waiting.end()) return;
  const Target target = it->second;
  own->second.waiting.erase(it);
  --waiters_;
  auto other = dags_.find(target.dag_id);
  if (other != dags_.end()) {
    auto date = other->second.waited.find(target.logical_date);
    if (date != other->second.waited.end()) {
      date->second.erase(waiter);
      if (date->second.empty()) other->second.waited.erase(date);
    }
  }
  // No empty entry: a DAG nobody waits for is not in the map.
  for (const std::string& id : {waiter.dag_id, target.dag_id}) {
    auto e = dags_.find(id);
    if (e != dags_.end() && e->second.waited.empty() && e->second.waiting.empty()) dags_.erase(e);
  }
}

void ExternalWaits::NoteChange(const std::string& dag_id, DagWaits& dag, TimePoint logical_date,
                               const std::string& run_id, const std::string& task_id) {
  auto waited = dag.waited.find(logical_date);
  if (waited != dag.waited.end()) woken_.insert(waited->second.begin(), waited->second.end());
  if (task_id.empty()) return;
  auto waiting = dag.waiting.find({run_id, task_id});
  if (waiting != dag.waiting.end()) moved_.insert(Waiter{dag_id, run_id, task_id});
}

std::pair<std::set<ExternalWaits::Waiter>, std::set<ExternalWaits::Waiter>>
ExternalWaits::TakeWoken() {
  auto out = std::make_pair(std::move(woken_), std::move(moved_));
  woken_.clear();
  moved_.clear();
  return out;
}

// --- The planner's side.

bool Planner::IsExternalSensor(const ActiveRun& run, int task) const {
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  if (spec.kind != "sensor") return false;
  const Value* type = spec.config.Find("type");
  return type != nullptr && type->AsString() != nullptr && *type->AsString() == kExternalSensorType;
}

void Planner::CheckExternal(ActiveRun& run, int task, bool wake) {
  TaskSlot& slot = run.tasks[static_cast<size_t>(task)];
  TaskInstanceRecord& rec = slot.rec;
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  Result<SensorConfig> sensor = SensorConfig::FromValue(spec.config);
  Result<ExternalSensorConfig> config =
      sensor.ok() ? ExternalSensorConfig::FromValue(sensor->config) : sensor.status();
  if (!config.ok()) {
    rec.next_try_at.reset();
    FinishTask(run, task, TaskState::kFailed, config.status().message());
    return;
  }
  const TimePoint date = run.rec.logical_date + config->offset;
  // First of all, so that every later change of the other run wakes it.
  external_waits_.Add({rec.dag_id, rec.run_id, rec.task_id}, {config->dag, date});
  // Nothing is polled: the next check is a wake-up (next_try_at is set only to read again after
  // a store error).
  if (!wake) rec.next_try_at.reset();
  const TimePoint start = rec.start.value_or(now_);
  const bool timed_out = spec.timeout && now_ - start >= *spec.timeout;

  std::vector<ExternalRunView> held;
  for (auto it = runs_.lower_bound({config->dag, ""});
       it != runs_.end() && it->first.first == config->dag; ++it) {
    const ActiveRun& other = *it->second;
    if (other.rec.logical_date != date) continue;
    ExternalRunView view{other.rec.run_id, other.rec.state, false, TaskState::kNone};
    if (!config->task.empty()) {
      const int i = other.graph->IndexOf(config->task);
      if (i >= 0) {
        view.has_task = true;
        view.task_state = other.tasks[static_cast<size_t>(i)].rec.state;
      }
    }
    held.push_back(std::move(view));
  }
  if (held.empty()) {
    if (timed_out) return TimeOutExternal(run, task, *sensor);
    // Ended or not there yet: one read of the store, after this decision's commit. A read
    // already in flight may predate a change: its answer is dropped for this one's.
    PokeRequest req;
    req.dag_id = rec.dag_id;
    req.run_id = rec.run_id;
    req.task_id = rec.task_id;
    req.id = ++last_poke_id_;
    req.type = kExternalSensorType;
    req.config = ExternalReadConfig(*config, date);
    req.now = now_;
    slot.poke_in_flight = req.id;
    decision_.actions.emplace_back(std::in_place_type<PokeAction>, PokeAction{std::move(req)});
    ArmExternalTimeout(run, task);
    return;
  }
  // Held here: memory decides, and supersedes a store read in flight.
  slot.poke_in_flight = 0;
  const PokeResult found = JudgeExternal(*config, date, held);
  // A wake-up that finds what the last check found is not another check.
  const bool same = wake && rec.pokes > 0 && found.outcome != PokeResult::Outcome::kMet &&
                    found.detail == rec.last_poke;
  if (!same) RecordExternalCheck(run, task, found);
  if (found.outcome == PokeResult::Outcome::kMet) {
    FinishTask(run, task, TaskState::kSuccess, Checks(rec.pokes) + ": " + rec.last_poke);
  } else if (timed_out) {
    TimeOutExternal(run, task, *sensor);
  } else {
    ArmExternalTimeout(run, task);
  }
}

bool Planner::OnExternalResult(const PokeOutcome& o) {
  auto it = runs_.find({o.dag_id, o.run_id});
  if (it == runs_.end()) return false;
  ActiveRun& run = *it->second;
  const int task = run.graph->IndexOf(o.task_id);
  if (task < 0 || !IsExternalSensor(run, task)) return false;
  TaskSlot& slot = run.tasks[static_cast<size_t>(task)];
  if (run.rec.state != RunState::kRunning || slot.rec.state != TaskState::kDeferred ||
      slot.poke_in_flight != o.id) {
    return true;
  }
  slot.poke_in_flight = 0;
  Result<SensorConfig> sensor =
      SensorConfig::FromValue(run.graph->task(static_cast<size_t>(task)).config);
  if (!sensor.ok()) return true;
  RecordExternalCheck(run, task, o.result);
  TaskInstanceRecord& rec = slot.rec;
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  if (o.result.outcome == PokeResult::Outcome::kMet) {
    rec.next_try_at.reset();
    FinishTask(run, task, TaskState::kSuccess, Checks(rec.pokes) + ": " + rec.last_poke);
    return true;
  }
  if (spec.timeout && now_ - rec.start.value_or(now_) >= *spec.timeout) {
    TimeOutExternal(run, task, *sensor);
    return true;
  }
  if (o.result.outcome == PokeResult::Outcome::kError || options_.external_sensors_poll) {
    // The store could not tell (or may change unseen): read again after poke_every (or at the
    // timeout).
    TimePoint next = now_ + PokeInterval(*sensor, 1);
    if (spec.timeout) next = std::min(next, rec.start.value_or(now_) + *spec.timeout);
    rec.next_try_at = next;
    AddTimer(next, Timer{Timer::Kind::kPoke, rec.dag_id, rec.run_id, rec.task_id});
  }
  ArmExternalTimeout(run, task);
  return true;
}

void Planner::RecordExternalCheck(ActiveRun& run, int task, const PokeResult& found) {
  TaskInstanceRecord& rec = run.tasks[static_cast<size_t>(task)].rec;
  rec.pokes += 1;
  rec.last_poke_at = now_;
  rec.last_poke =
      found.outcome == PokeResult::Outcome::kError ? "error: " + found.detail : found.detail;
  MarkDirty(run, task);
}

void Planner::ArmExternalTimeout(ActiveRun& run, int task) {
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  const TaskInstanceRecord& rec = run.tasks[static_cast<size_t>(task)].rec;
  if (!spec.timeout) return;
  AddTimer(rec.start.value_or(now_) + *spec.timeout,
           Timer{Timer::Kind::kPoke, rec.dag_id, rec.run_id, rec.task_id});
}

void Planner::TimeOutExternal(ActiveRun& run, int task, const SensorConfig& sensor) {
  TaskSlot& slot = run.tasks[static_cast<size_t>(task)];
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  slot.poke_in_flight = 0;
  slot.rec.next_try_at.reset();
  // Not retried: another wait would meet the same missing run.
  FinishTask(run, task, sensor.soft_fail ? TaskState::kSkipped : TaskState::kFailed,
             "sensor timed out after " + FormatDuration(*spec.timeout) +
                 (sensor.soft_fail ? " (soft_fail)" : "") + " (" + Checks(slot.rec.pokes) + ": " +
                 slot.rec.last_poke + ")");
}

void Planner::WakeExternalWaiters() {
  // A check may end a sensor, which may end its run and wake the sensors waiting for that:
  // rounds until none is woken (each round's checks are bounded: a wake-up that finds nothing
  // new changes nothing).
  for (int round = 0; round < 1000 && external_waits_.HasWoken(); ++round) {
    auto [woken, moved] = external_waits_.TakeWoken();
    for (const auto* set : {&moved, &woken}) {
      for (const ExternalWaits::Waiter& w : *set) {
        auto it = runs_.find({w.dag_id, w.run_id});
        const int task = it == runs_.end() ? -1 : it->second->graph->IndexOf(w.task_id);
        if (task < 0 || it->second->rec.state != RunState::kRunning ||
            it->second->tasks[static_cast<size_t>(task)].rec.state != TaskState::kDeferred ||
            !IsExternalSensor(*it->second, task)) {
          external_waits_.Remove(w);  // cleared, marked, killed, removed or ended
          continue;
        }
        if (set == &woken) CheckExternal(*it->second, task, /*wake=*/true);
      }
    }
  }
}

}  // namespace sluice
