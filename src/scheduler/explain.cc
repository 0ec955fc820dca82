// What holds a task instance, as the planner decides: each rule on its way explains itself
// (explanation.h). The checks follow the planner's own: run admission (AdmitRuns), readiness
// (Evaluate), the retry wait (FireRetry) and the limits (Dispatch).
#include "scheduler/max_active_runs.h"
#include "scheduler/planner.h"
#include "scheduler/retry_policy.h"

namespace sluice {

std::vector<Explanation> Planner::Explain(const std::string& dag_id, const std::string& run_id,
                                          const std::string& task_id, TimePoint now) const {
  std::vector<Explanation> out;
  auto run_it = runs_.find({dag_id, run_id});
  if (run_it == runs_.end()) return out;
  const ActiveRun& run = *run_it->second;
  const int index = run.graph->IndexOf(task_id);
  if (index < 0) return out;
  const size_t task = static_cast<size_t>(index);
  const TaskSlot& slot = run.tasks[task];
  const TaskSpec& spec = run.graph->task(task);

  if (run.rec.state == RunState::kQueued) {
    // Its tasks wait for the run to start, and then for their own rules below.
    auto dag = dags_.find(dag_id);
    if (dag != dags_.end() && dag->second.rec.paused) out.push_back(ExplainPaused(dag_id));
    const int running = dag == dags_.end() ? 0 : dag->second.running_runs;
    if (!MaxActiveRunsAllows(run.graph->spec(), running)) {
      std::vector<std::string> running_ids;
      for (auto it = runs_.lower_bound({dag_id, ""});
           it != runs_.end() && it->first.first == dag_id; ++it) {
        if (it->second->rec.state == RunState::kRunning) running_ids.push_back(it->first.second);
      }
      out.push_back(ExplainMaxActiveRuns(run.graph->spec(), running_ids));
    }
  } else if (run.rec.state != RunState::kRunning) {
    return out;
  }

  switch (slot.rec.state) {
    case TaskState::kNone: {
      if (EvaluateTriggerRule(spec.trigger, slot.counts) == Readiness::kWait) {
        std::vector<UpstreamTask> upstream;
        for (int up : run.graph->upstream(task)) {
          const auto& rec = run.tasks[static_cast<size_t>(up)].rec;
          upstream.push_back({rec.task_id, rec.state});
        }
        out.push_back(ExplainTriggerRule(spec.trigger, slot.counts, upstream));
        return out;
      }
      if (!spec.depends_on_past) return out;
      if (past_unreadable_.count(dag_id) > 0) {
        out.push_back(ExplainPastUnreadable(dag_id));
        return out;
      }
      std::optional<PastTask> past = PreviousTask(run, spec.id);
      if (past && !PastAllows(past->state)) out.push_back(ExplainDependsOnPast(spec.id, *past));
      return out;
    }
    case TaskState::kUpForRetry:
      out.push_back(ExplainRetryWait(spec, slot.rec, now));
      return out;
    case TaskState::kDeferred:
      out.push_back(ExplainSensor(run, index, now));
      return out;
    case TaskState::kScheduled: {
      const DispatchCandidate candidate{run.graph->spec(), spec};
      std::vector<AttemptKey> running;
      running.reserve(attempts_.size());
      for (const auto& [key, attempt] : attempts_) running.push_back(key);
      // Every limit that holds it, not only the first the dispatcher stops at: freeing one
      // slot is then seen not to be enough.
      for (const auto& limit : limits_) {
        if (limit->Check(candidate) != LimitVerdict::kAllow) {
          out.push_back(limit->Explain(candidate, running));
        }
      }
      return out;
    }
    default:
      return out;
  }
}

}  // namespace sluice
