#include "control/task_why.h"

#include <cstring>

#include "control/run_lookup.h"
#include "control/scheduler_lock.h"
#include "control/scheduler_view.h"
#include "time/time_format.h"

namespace sluice::control {
namespace {

std::string SignalText(int signal) {
  const char* name = sigabbrev_np(signal);
  return "killed by signal " + std::to_string(signal) +
         (name ? " (SIG" + std::string(name) + ")" : "");
}

std::string Summary(const TaskInstanceRecord& ti, const std::vector<Explanation>& blocked_by,
                    const std::optional<AttemptRecord>& last) {
  const std::string tries = "(try " + std::to_string(ti.try_number) + ")";
  const std::string at = ti.end ? " at " + FormatIsoUtc(*ti.end) : "";
  switch (ti.state) {
    case TaskState::kRunning: {
      std::string text = "try " + std::to_string(ti.try_number);
      if (last && last->try_number == ti.try_number) {
        text += " since " + FormatIsoUtc(last->start);
        if (!last->host.empty()) text += " on " + last->host;
      }
      if (!ti.owner.empty()) {
        text += ", claimed by " + ti.owner;
        if (ti.lease_until) text += " until " + FormatIsoUtc(*ti.lease_until);
      }
      return text;
    }
    case TaskState::kQueued:
      return "waiting for an executor to claim it";
    case TaskState::kSuccess:
    case TaskState::kSkipped:
      return "ended" + at + " " + tries;
    case TaskState::kFailed: {
      const std::string reason = last ? FailureReason(*last) : "";
      return "ended" + at + (reason.empty() ? "" : ": " + reason) + " " + tries;
    }
    case TaskState::kUpstreamFailed:
      return "ended" + at + ": an upstream task failed, so it did not run";
    case TaskState::kRemoved:
      return "the task is no longer in its DAG";
    default:
      break;
  }
  if (blocked_by.empty()) return "nothing holds it; the scheduler starts it at its next turn";
  std::string rules;
  for (const auto& e : blocked_by) rules += (rules.empty() ? "" : ", ") + e.rule;
  return "held by " + rules;
}

}  // namespace

std::string FailureReason(const AttemptRecord& a) {
  if (a.state != AttemptState::kFailed) return "";
  if (!a.error.empty()) return a.error;
  std::string how;
  if (a.signal) {
    how = SignalText(*a.signal);
  } else if (a.exit_code) {
    how = "exit code " + std::to_string(*a.exit_code);
  }
  std::string why;
  if (a.timed_out) why = "timed out";
  if (a.kill_requested) why = "killed by hand (sluice tasks kill)";
  if (why.empty()) return how.empty() ? "failed" : how;
  return how.empty() ? why : why + ": " + how;
}

Result<std::vector<TaskWhy>> WhyTasks(const Context& ctx, const RunRecord& run) {
  SLUICE_ASSIGN_OR_RETURN(auto tis, ctx.store.ListTaskInstances(run.dag_id, run.run_id));
  SLUICE_ASSIGN_OR_RETURN(auto attempts, ctx.store.ListAttempts(run.dag_id, run.run_id, ""));
  const TimePoint now = ctx.clock.Now();
  std::unique_ptr<Planner> view;
  if (!IsTerminal(run.state)) {
    SLUICE_ASSIGN_OR_RETURN(view, LoadSchedulerView(ctx));
  }
  const bool scheduler = SchedulerRunning(ctx.config);
  std::vector<TaskWhy> out;
  for (auto& ti : tis) {
    TaskWhy why;
    if (view) why.blocked_by = view->Explain(run.dag_id, run.run_id, ti.task_id, now);
    const bool waiting =
        !IsTerminal(ti.state) && ti.state != TaskState::kRunning && ti.state != TaskState::kQueued;
    if (waiting && !scheduler) {
      why.blocked_by.push_back({"scheduler",
                                NoSchedulerRunning(ctx.config) + ": start one (sluice scheduler)",
                                {{"home", ctx.config.home}}});
    }
    // Attempts are listed oldest start first: the last one of the task is its newest try.
    std::optional<AttemptRecord> last;
    for (const auto& a : attempts) {
      if (a.task_id == ti.task_id && a.map_index == ti.map_index &&
          (!last || a.try_number > last->try_number)) {
        last = a;
      }
    }
    why.summary = Summary(ti, why.blocked_by, last);
    why.task = std::move(ti);
    out.push_back(std::move(why));
  }
  return out;
}

Result<TaskWhy> WhyTask(const Context& ctx, const std::string& dag_id, const std::string& run_id,
                        const std::string& task_id) {
  SLUICE_ASSIGN_OR_RETURN(RunRecord run, FindRun(ctx.store, dag_id, run_id));
  SLUICE_ASSIGN_OR_RETURN(auto all, WhyTasks(ctx, run));
  for (auto& why : all) {
    if (why.task.task_id == task_id) return std::move(why);
  }
  return Status::NotFound("dag '" + dag_id + "' has no task '" + task_id + "' in run '" + run_id +
                          "'");
}

}  // namespace sluice::control
