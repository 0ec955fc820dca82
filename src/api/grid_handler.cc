// /api/v1/dags/{dag}/grid: a DAG's newest runs by its tasks, each cell a task instance's state,
// tries and duration, in one answer (what the UI's grid draws).
#include <unordered_map>

#include "api/route.h"
#include "api/server.h"
#include "control/dag_lookup.h"
#include "control/record_json.h"
#include "time/time_format.h"

namespace sluice::api {
namespace {

Result<ApiResponse> GridHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(DagSpec dag, control::FindDag(req.ctx, req.Param("dag")));
  SLUICE_ASSIGN_OR_RETURN(int64_t limit, req.QueryInt("limit", 25, 1, 400));
  RunFilter filter;
  filter.dag_id = dag.id;
  filter.limit = static_cast<int>(limit);
  if (auto before = req.Query("before")) {
    auto t = ParseTimePoint(*before, TimeZone::Utc());
    if (!t.ok()) {
      return Status::Invalid("invalid before '" + *before +
                             "' (use a logical date such as 2026-12-06T00:00:00Z)");
    }
    filter.after = RunFilter::Position{*t, "", ""};
  }
  SLUICE_ASSIGN_OR_RETURN(auto runs, req.ctx.store.ListRuns(filter));
  // Columns: the DAG's tasks now, in file order; a task an older run had and the DAG no longer
  // has is added after them, so no cell is lost.
  std::vector<std::string> tasks;
  std::unordered_map<std::string, size_t> column;
  for (const TaskSpec& t : dag.tasks) {
    column.emplace(t.id, tasks.size());
    tasks.push_back(t.id);
  }
  const TimePoint now = req.ctx.clock.Now();
  nlohmann::json rows = nlohmann::json::array();
  for (const RunRecord& run : runs) {
    SLUICE_ASSIGN_OR_RETURN(auto instances,
                            req.ctx.store.ListTaskInstances(run.dag_id, run.run_id));
    std::vector<nlohmann::json> cells(tasks.size(), nullptr);
    for (const TaskInstanceRecord& ti : instances) {
      if (ti.map_index && *ti.map_index > 0) continue;  // a mapped task: its first instance
      auto [it, added] = column.emplace(ti.task_id, tasks.size());
      if (added) {
        tasks.push_back(ti.task_id);
        cells.emplace_back(nullptr);
      }
      cells.resize(tasks.size(), nullptr);
      cells[it->second] = {{"state", TaskStateName(ti.state)},
                           {"tries", ti.try_number},
                           {"duration", control::JsonDuration(ti.start, ti.end, now)}};
    }
    cells.resize(tasks.size(), nullptr);
    rows.push_back({{"run_id", run.run_id},
                    {"type", RunTypeName(run.type)},
                    {"state", RunStateName(run.state)},
                    {"logical_date", control::JsonTime(run.logical_date)},
                    {"start", control::JsonTime(run.start)},
                    {"end", control::JsonTime(run.end)},
                    {"cells", std::move(cells)}});
  }
  // Rows written before a column was added are shorter: pad them.
  for (auto& row : rows) {
    auto& cells = row["cells"];
    while (cells.size() < tasks.size()) cells.push_back(nullptr);
  }
  return ApiResponse::Json({{"dag", dag.id}, {"tasks", tasks}, {"runs", std::move(rows)}});
}

}  // namespace

void AddGridRoutes(ServerState&, std::vector<Route>& routes) {
  routes.push_back({"GET", "/api/v1/dags/{dag}/grid", Access::kViewer, GridHandler});
}

}  // namespace sluice::api
