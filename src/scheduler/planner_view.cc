#include "scheduler/planner_view.h"

#include <algorithm>
#include <map>

#include "core/dag_json.h"

namespace sluice {
namespace {

// The reads Driver::Start makes, without its side effects (adopting attempts, reading the DAG
// folder, committing).
class ViewLoader {
 public:
  explicit ViewLoader(Store& store) : store_(store) {}

  Result<DagGraphPtr> Graph(const std::string& dag_id, const std::string& hash) {
    const std::string key = dag_id + "@" + hash;
    auto it = graphs_.find(key);
    if (it != graphs_.end()) return it->second;
    SLUICE_ASSIGN_OR_RETURN(auto version, store_.GetDagVersion(dag_id, hash));
    if (!version) {
      return Status::Internal("dag '" + dag_id + "' version " + hash + " is not in the store");
    }
    SLUICE_ASSIGN_OR_RETURN(DagSpec spec, DagFromJson(version->spec_json));
    SLUICE_ASSIGN_OR_RETURN(DagGraphPtr graph, DagGraph::Build(std::move(spec)));
    graphs_[key] = graph;
    return graph;
  }

  Result<StoredRun> Run(const RunRecord& run) {
    StoredRun stored;
    stored.run = run;
    SLUICE_ASSIGN_OR_RETURN(stored.graph, Graph(run.dag_id, run.dag_hash));
    SLUICE_ASSIGN_OR_RETURN(stored.task_instances,
                            store_.ListTaskInstances(run.dag_id, run.run_id));
    if (!stored.graph->has_depends_on_past()) return stored;
    auto listed = runs_.find(run.dag_id);
    if (listed == runs_.end()) {
      RunFilter filter;
      filter.dag_id = run.dag_id;
      SLUICE_ASSIGN_OR_RETURN(auto all, store_.ListRuns(filter));
      listed = runs_.emplace(run.dag_id, std::move(all)).first;
    }
    // Newest first: the first one dated before this run is its previous run.
    for (const auto& r : listed->second) {
      if (r.logical_date >= run.logical_date) continue;
      RunOutcomes outcomes{r.run_id, r.logical_date, {}};
      SLUICE_ASSIGN_OR_RETURN(auto tis, store_.ListTaskInstances(r.dag_id, r.run_id));
      for (const auto& ti : tis) outcomes.states[ti.task_id] = ti.state;
      stored.previous = std::move(outcomes);
      break;
    }
    return stored;
  }

 private:
  Store& store_;
  std::map<std::string, DagGraphPtr> graphs_;
  std::map<std::string, std::vector<RunRecord>> runs_;  // each DAG's runs, newest first
};

}  // namespace

Result<std::unique_ptr<Planner>> LoadPlannerView(Store& store, const PlannerOptions& options,
                                                 TimePoint now) {
  auto planner = std::make_unique<Planner>(options);
  SLUICE_ASSIGN_OR_RETURN(auto dags, store.ListDags());
  for (const auto& rec : dags) planner->LoadDag(rec);
  RunFilter open;
  open.states = {RunState::kQueued, RunState::kRunning};
  SLUICE_ASSIGN_OR_RETURN(auto runs, store.ListRuns(open));
  std::reverse(runs.begin(), runs.end());  // oldest first, as the driver loads them
  ViewLoader loader(store);
  for (const auto& run : runs) {
    SLUICE_ASSIGN_OR_RETURN(StoredRun stored, loader.Run(run));
    planner->LoadRun(std::move(stored));
  }
  SLUICE_ASSIGN_OR_RETURN(auto running, store.ListRunningAttempts());
  for (const auto& rec : running) {
    // Another executor's attempt holds no slot of this scheduler's limits (Driver::Start).
    if (planner->HeldElsewhere(rec)) continue;
    // Taken as adopted: it holds its slots until it ends, which is what the limits count.
    planner->RecoverAttempt(rec, Status::Ok(), now);
  }
  // What loading and recovery would write is not this view's to write.
  (void)planner->TakeDecision();
  return planner;
}

}  // namespace sluice
