// From ready task instances to attempts, and from ended attempts back to task states.
#include <nlohmann/json.hpp>

#include "core/task_command.h"
#include "core/template.h"
#include "scheduler/planner.h"
#include "scheduler/retry_policy.h"
#include "scheduler/run_builder.h"
#include "time/time_format.h"
#include "util/check.h"

namespace sluice {
namespace {

std::map<std::string, std::string> ParamOverrides(const std::string& params_json) {
  std::map<std::string, std::string> out;
  auto j = nlohmann::json::parse(params_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return out;
  for (auto& [k, v] : j.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

std::string DescribeOutcome(const AttemptOutcome& o) {
  if (!o.error.empty()) return o.error;
  if (o.timed_out) return "timed out";
  if (o.signal) return "killed by signal " + std::to_string(*o.signal);
  if (o.exit_code) return "exit code " + std::to_string(*o.exit_code);
  return "ended";
}

// What an attempt's record says of a log that was cut; empty when the log is whole.
std::string LogCutNote(const AttemptOutcome& o) {
  if (o.log_dropped == 0 && o.log_error.empty() && !o.log_capped) return "";
  const std::string dropped = std::to_string(o.log_dropped) + " bytes not kept";
  if (!o.log_error.empty()) return "log cut: " + o.log_error + ": " + dropped;
  return "log cut at log_max_bytes: " + dropped;
}

}  // namespace

// Takes ready task instances, highest priority and oldest run first, while every limit allows.
void Planner::Dispatch() {
  ready_changed_ = false;
  for (auto it = ready_.begin(); it != ready_.end();) {
    auto run_it = runs_.find({it->dag_id, it->run_id});
    if (run_it == runs_.end() || run_it->second->rec.state != RunState::kRunning ||
        static_cast<size_t>(it->task) >= run_it->second->tasks.size() ||
        run_it->second->tasks[static_cast<size_t>(it->task)].rec.state != TaskState::kScheduled) {
      it = ready_.erase(it);
      continue;
    }
    ActiveRun& run = *run_it->second;
    const DispatchCandidate candidate{run.graph->spec(),
                                      run.graph->task(static_cast<size_t>(it->task))};
    LimitVerdict verdict = LimitVerdict::kAllow;
    std::string refusal;
    for (const auto& limit : limits_) {
      verdict = limit->Check(candidate);
      if (verdict == LimitVerdict::kRefuse) refusal = limit->Refusal(candidate);
      if (verdict != LimitVerdict::kAllow) break;
    }
    if (verdict == LimitVerdict::kHoldAll) break;
    if (verdict == LimitVerdict::kHoldTask) {
      ++it;  // held by its DAG's limit; a task of another DAG may still go
      continue;
    }
    int task = it->task;
    it = ready_.erase(it);
    StartAttempt(run, task, refusal);
  }
}

// Queues the task instance, and the scheduler's own executor claims it at once: the claim is a
// move from queued to running naming the executor and holding a lease (Store::ClaimQueued's
// semantics), written in the same commit as the queueing, since this executor has room for
// everything the limits let through. A remote executor would claim queued rows through the
// store instead.
void Planner::StartAttempt(ActiveRun& run, int task, const std::string& refusal) {
  auto& rec = run.tasks[static_cast<size_t>(task)].rec;
  rec.try_number += 1;
  if (!rec.start) rec.start = now_;
  SetTaskState(run, task, TaskState::kQueued, "try " + std::to_string(rec.try_number));
  rec.owner = options_.executor;
  rec.lease_until = now_ + options_.lease;
  SetTaskState(run, task, TaskState::kRunning,
               "claimed by " + options_.executor + " until " + FormatIsoUtc(*rec.lease_until));

  AttemptKey key{rec.dag_id, rec.run_id, rec.task_id, rec.try_number, rec.map_index};
  AttemptRecord attempt;
  attempt.dag_id = rec.dag_id;
  attempt.run_id = rec.run_id;
  attempt.task_id = rec.task_id;
  attempt.map_index = rec.map_index;
  attempt.try_number = rec.try_number;
  attempt.start = now_;
  attempt.host = options_.hostname;
  attempt.log_path = AttemptLogPath(AttemptPath(options_.logs_dir, key));
  RecordAttempt(attempt);
  AttemptStarted(attempt, &run.graph->task(static_cast<size_t>(task)), &run.graph->spec(), false);

  std::string error = refusal;
  LaunchRequest req;
  if (error.empty()) req = MakeLaunch(run, task, &error);
  if (!error.empty()) {
    // It cannot be started (a template did not render, a limit refused it): it ends at once, as
    // a failed launch does, and its outcome is handled at the next tick.
    AttemptOutcome o;
    o.key = key;
    o.error = error;
    o.start = o.end = now_;
    pending_outcomes_.push_back(std::move(o));
    return;
  }
  decision_.actions.emplace_back(std::in_place_type<LaunchAction>, LaunchAction{std::move(req)});
}

// An attempt holds a slot of every limit from its start (or adoption) to its end.
void Planner::AttemptStarted(const AttemptRecord& rec, const TaskSpec* spec, const DagSpec* dag,
                             bool orphaned) {
  AttemptKey key{rec.dag_id, rec.run_id, rec.task_id, rec.try_number, rec.map_index};
  attempts_[key] = RunningAttempt{rec, orphaned};
  std::optional<DispatchCandidate> candidate;
  if (spec && dag) candidate.emplace(DispatchCandidate{*dag, *spec});
  for (auto& limit : limits_) limit->Acquire(key, candidate ? &*candidate : nullptr);
  if (!orphaned) ArmLongRunning(rec, spec);
}

void Planner::AttemptEnded(const AttemptKey& key) {
  // The limits count attempts: releasing one that was not started would free a slot twice.
  SLUICE_CHECK(attempts_.erase(key) == 1, "an attempt ends once, after it started");
  for (auto& limit : limits_) limit->Release(key);
}

// The run's dates and params are the same for all its attempts (and pokes): formatted once per
// run.
const RunTemplate* Planner::RunTemplateOf(ActiveRun& run, std::string* error) {
  if (!run.launch_template || run.launch_template_graph != run.graph) {
    RunContextInput input;
    input.run_id = run.rec.run_id;
    input.logical_date = run.rec.logical_date;
    input.data_interval_start = run.rec.data_interval_start;
    input.data_interval_end = run.rec.data_interval_end;
    input.param_overrides = ParamOverrides(run.rec.params_json);
    auto made = RunTemplate::Make(run.graph->spec(), input);
    if (!made.ok()) {
      *error = made.status().message();
      return nullptr;
    }
    run.launch_template = std::move(made).value();
    run.launch_template_graph = run.graph;
  }
  return &*run.launch_template;
}

LaunchRequest Planner::MakeLaunch(ActiveRun& run, int task, std::string* error) {
  const TaskSpec& spec = run.graph->task(static_cast<size_t>(task));
  const auto& rec = run.tasks[static_cast<size_t>(task)].rec;
  LaunchRequest req;
  req.key = AttemptKey{rec.dag_id, rec.run_id, rec.task_id, rec.try_number, rec.map_index};
  req.attempt_path = AttemptPath(options_.logs_dir, req.key);
  req.timeout = AttemptTimeout(run, task);
  req.kill_grace = options_.kill_grace;
  req.log_max_bytes = options_.log_max_bytes;

  if (!RunTemplateOf(run, error)) return req;
  const TemplateContext ctx = run.launch_template->ForAttempt(spec.id, rec.try_number);
  // The task's kind builds the command (its operator); env and cwd are applied there too.
  auto command = BuildTaskCommand(run.graph->spec(), spec, ctx,
                                  run.launch_template->EnvironmentFor(spec.id, rec.try_number));
  if (!command.ok()) {
    *error = command.status().message();
    return req;
  }
  req.argv = std::move(command->argv);
  req.env = std::move(command->env);
  req.cwd = std::move(command->cwd);
  return req;
}

void Planner::OnLeaseExpired(const TaskInstanceRecord& ti,
                             const std::optional<AttemptRecord>& attempt, TimePoint now) {
  now_ = now;
  auto it = runs_.find({ti.dag_id, ti.run_id});
  const int task = it == runs_.end() ? -1 : it->second->graph->IndexOf(ti.task_id);
  if (task < 0) return;
  ActiveRun& run = *it->second;
  const TaskInstanceRecord& held = run.tasks[static_cast<size_t>(task)].rec;
  AttemptKey key{ti.dag_id, ti.run_id, ti.task_id, held.try_number, held.map_index};
  held_elsewhere_.erase(key);
  if (held.state != TaskState::kRunning || held.owner != ti.owner || held.owner.empty() ||
      held.owner == options_.executor || held.try_number != ti.try_number || attempts_.count(key)) {
    return;
  }
  // The attempt as its executor recorded it (or as much as the task instance says), ended as
  // lost through the path every end takes.
  AttemptRecord rec;
  if (attempt && attempt->try_number == held.try_number) {
    rec = *attempt;
  } else {
    rec.dag_id = ti.dag_id;
    rec.run_id = ti.run_id;
    rec.task_id = ti.task_id;
    rec.map_index = ti.map_index;
    rec.try_number = held.try_number;
    rec.start = held.start.value_or(now);
    rec.host = held.owner;
  }
  AttemptStarted(rec, &run.graph->task(static_cast<size_t>(task)), &run.graph->spec(), false);
  AttemptOutcome lost;
  lost.key = key;
  lost.lost = true;
  lost.error = "lost: the lease of " + held.owner + " ended at " +
               FormatIsoUtc(ti.lease_until.value_or(now));
  lost.start = rec.start;
  lost.end = now;
  OnAttemptEnded(lost, now);
}

void Planner::OnAttemptEnded(const AttemptOutcome& o, TimePoint now) {
  now_ = now;
  auto att = attempts_.find(o.key);
  if (att == attempts_.end()) return;
  AttemptRecord rec = att->second.rec;
  const bool orphaned = att->second.orphaned;
  const bool killed = att->second.rec.kill_requested;
  AttemptEnded(o.key);

  if (o.start.time_since_epoch().count() != 0) rec.start = o.start;
  rec.end = o.end.time_since_epoch().count() != 0 ? o.end : now_;
  rec.exit_code = o.exit_code;
  rec.signal = o.signal;
  rec.timed_out = o.timed_out;
  rec.error = o.lost && o.error.empty() ? "lost: supervisor exited without a result" : o.error;
  rec.log_note = LogCutNote(o);

  auto run_it = runs_.find({o.key.dag_id, o.key.run_id});
  ActiveRun* run = run_it == runs_.end() ? nullptr : run_it->second.get();
  int task = run ? run->graph->IndexOf(o.key.task_id) : -1;
  const TaskSpec* spec = task >= 0 ? &run->graph->task(static_cast<size_t>(task)) : nullptr;

  const bool success = o.exit_code && *o.exit_code == 0 && !o.timed_out && o.error.empty();
  const bool skipped = spec && o.exit_code && *o.exit_code == spec->skip_exit_code &&
                       !o.timed_out && o.error.empty();
  rec.state =
      success ? AttemptState::kSuccess : (skipped ? AttemptState::kSkipped : AttemptState::kFailed);
  RecordAttempt(rec);
  if (orphaned || !spec) {
    if (run) MaybeFinishRun(*run);  // it may have waited for this process only
    return;
  }
  auto& ti = run->tasks[static_cast<size_t>(task)].rec;
  if (ti.try_number != o.key.try_number || ti.state != TaskState::kRunning) {
    MaybeFinishRun(*run);
    return;
  }

  if (SensorAttemptEnded(*run, task, o, killed, rec.end.value_or(now_))) return;
  if (success) {
    NoteSuccess(rec);
    FinishTask(*run, task, TaskState::kSuccess, "", rec.end);
    return;
  }
  if (skipped) {
    FinishTask(*run, task, TaskState::kSkipped, "exit code " + std::to_string(*o.exit_code),
               rec.end);
    return;
  }
  const std::string why = DescribeOutcome(o);
  if (killed) {
    // Stopped by hand (`tasks kill`): it is not retried.
    FinishTask(*run, task, TaskState::kFailed, "killed by hand (" + why + ")", rec.end);
    return;
  }
  const std::string jitter_key =
      ti.dag_id + "/" + ti.run_id + "/" + ti.task_id + "/" + std::to_string(ti.try_number);
  auto delay = RetryDelay(*spec, ti.try_number - ti.retry_base, jitter_key);
  if (!delay) {
    FinishTask(*run, task, TaskState::kFailed, why, rec.end);
    return;
  }
  ti.next_try_at = now_ + *delay;
  SetTaskState(*run, task, TaskState::kUpForRetry, why);
  AddTimer(*ti.next_try_at, Timer{Timer::Kind::kRetry, ti.dag_id, ti.run_id, ti.task_id});
}

}  // namespace sluice
