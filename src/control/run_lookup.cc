#include "control/run_lookup.h"

#include "control/dag_version_cache.h"
#include "core/dag_loader.h"
#include "util/strings.h"

namespace sluice::control {

Result<RunRecord> FindRun(Store& store, const std::string& dag_id, const std::string& run_id) {
  SLUICE_ASSIGN_OR_RETURN(auto run, store.GetRun(dag_id, run_id));
  if (run) return *run;
  // Not found: say which part is wrong, with the likely typo (only on this path, so listing is
  // cheap enough).
  SLUICE_ASSIGN_OR_RETURN(auto dags, store.ListDags());
  std::vector<std::string> dag_ids;
  bool known = false;
  for (const auto& d : dags) {
    known = known || d.dag_id == dag_id;
    if (!d.deleted) dag_ids.push_back(d.dag_id);
  }
  if (!known) {
    const std::string hint = ClosestMatch(dag_id, dag_ids);
    return Status::NotFound("no dag '" + dag_id + "'" +
                            (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
  }
  RunFilter filter;
  filter.dag_id = dag_id;
  SLUICE_ASSIGN_OR_RETURN(auto runs, store.ListRuns(filter));
  std::vector<std::string> run_ids;
  for (const auto& r : runs) run_ids.push_back(r.run_id);
  const std::string hint = ClosestMatch(run_id, run_ids);
  return Status::NotFound("no run '" + run_id + "' of dag '" + dag_id + "'" +
                          (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
}

Result<DagGraphPtr> RunGraph(Store& store, const RunRecord& run) {
  SLUICE_ASSIGN_OR_RETURN(auto spec, CachedDagVersion(store, run.dag_id, run.dag_hash));
  return DagGraph::Build(std::move(spec));
}

Result<TaskInstanceRecord> FindTaskInstance(Store& store, const RunRecord& run,
                                            const std::string& task_id) {
  SLUICE_ASSIGN_OR_RETURN(auto tis, store.ListTaskInstances(run.dag_id, run.run_id));
  for (auto& ti : tis) {
    if (ti.task_id == task_id) return std::move(ti);
  }
  return Status::NotFound("dag '" + run.dag_id + "' has no task '" + task_id + "'");
}

Result<AttemptRecord> FindAttempt(Store& store, const RunRecord& run, const std::string& task_id,
                                  int try_number) {
  SLUICE_ASSIGN_OR_RETURN(auto attempts, store.ListAttempts(run.dag_id, run.run_id, task_id));
  if (attempts.empty()) {
    return Status::NotFound("task '" + task_id + "' of run '" + run.run_id +
                            "' has no attempts yet");
  }
  if (try_number <= 0) return attempts.back();
  for (auto& a : attempts) {
    if (a.try_number == try_number) return std::move(a);
  }
  return Status::NotFound("task '" + task_id + "' has no try " + std::to_string(try_number) +
                          " (tries: 1-" + std::to_string(attempts.back().try_number) + ")");
}

}  // namespace sluice::control
