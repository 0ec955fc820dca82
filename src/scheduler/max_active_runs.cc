#include "scheduler/max_active_runs.h"

#include "scheduler/explain_text.h"

namespace sluice {

Explanation ExplainMaxActiveRuns(const DagSpec& dag, const std::vector<std::string>& running) {
  return {"max_active_runs",
          "the run is queued: " + std::to_string(running.size()) + " of " +
              std::to_string(dag.max_active_runs) + " runs of dag " + dag.id +
              " are running: " + JoinSome(running),
          {{"max_active_runs", dag.max_active_runs},
           {"running", static_cast<int>(running.size())},
           {"running_runs", running}}};
}

Explanation ExplainPaused(const std::string& dag_id) {
  return {"paused",
          "the run is queued and dag " + dag_id + " is paused: `sluice dags unpause " + dag_id +
              "` lets it start",
          nlohmann::json::object()};
}

}  // namespace sluice
