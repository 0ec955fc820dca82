// /api/v1/dags: the DAG list (with search and paging), one DAG, its source, pause and unpause.
#include <algorithm>

#include "api/route.h"
#include "api/server.h"
#include "control/dag_list.h"
#include "control/dag_lookup.h"
#include "control/pause.h"
#include "control/record_json.h"
#include "core/dag_loader.h"
#include "util/file.h"
#include "util/strings.h"

namespace sluice::api {
namespace {

constexpr int kRecentRuns = 10;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool MatchesSearch(const control::DagListRow& row, const std::string& needle) {
  if (needle.empty()) return true;
  auto has = [&](const std::string& hay) { return Lower(hay).find(needle) != std::string::npos; };
  if (has(*row.dag) || has(row.description) || has(row.owner)) return true;
  return std::any_of(row.tags.begin(), row.tags.end(), has);
}

Result<ApiResponse> ListDagsHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(int64_t limit, req.QueryInt("limit", 100, 1, 1000));
  const std::string search = Lower(req.Query("search").value_or(""));
  const std::optional<std::string> tag = req.Query("tag");
  const std::optional<std::string> paused = req.Query("paused");
  if (paused && *paused != "true" && *paused != "false") {
    return Status::Invalid("invalid paused '" + *paused + "' (use true or false)");
  }
  const std::string cursor = req.Query("cursor").value_or("");
  SLUICE_ASSIGN_OR_RETURN(auto rows, control::ListDags(req.ctx));
  std::vector<const control::DagListRow*> dags;
  nlohmann::json broken = nlohmann::json::array();
  for (const auto& row : rows) {
    if (!row.dag) {
      broken.push_back({{"file", row.file}, {"errors", row.errors}});
      continue;
    }
    if (!cursor.empty() && *row.dag <= cursor) continue;
    if (!MatchesSearch(row, search)) continue;
    if (tag && std::find(row.tags.begin(), row.tags.end(), *tag) == row.tags.end()) continue;
    if (paused && row.paused != (*paused == "true")) continue;
    dags.push_back(&row);
  }
  std::sort(dags.begin(), dags.end(), [](auto* a, auto* b) { return *a->dag < *b->dag; });
  nlohmann::json next_cursor = nullptr;
  if (dags.size() > static_cast<size_t>(limit)) {
    dags.resize(static_cast<size_t>(limit));
    next_cursor = *dags.back()->dag;
  }
  const TimePoint now = req.ctx.clock.Now();
  nlohmann::json out = nlohmann::json::array();
  for (const control::DagListRow* row : dags) {
    RunFilter filter;
    filter.dag_id = *row->dag;
    filter.limit = kRecentRuns;
    SLUICE_ASSIGN_OR_RETURN(auto runs, req.ctx.store.ListRuns(filter));
    nlohmann::json recent = nlohmann::json::array();
    for (const auto& r : runs) {
      recent.push_back({{"run_id", r.run_id},
                        {"state", RunStateName(r.state)},
                        {"logical_date", control::JsonTime(r.logical_date)}});
    }
    // The schedule in words, null without a schedule as "schedule" is.
    nlohmann::json words = row->schedule ? nlohmann::json(row->schedule_text) : nullptr;
    out.push_back({{"dag", *row->dag},
                   {"file", row->file},
                   {"description", row->description},
                   {"owner", row->owner},
                   {"tags", row->tags},
                   {"paused", row->paused},
                   {"schedule", row->schedule ? nlohmann::json(*row->schedule) : nullptr},
                   {"schedule_text", std::move(words)},
                   {"timezone", row->timezone},
                   {"next_due", control::JsonTime(row->next_due)},
                   {"errors", row->errors},
                   {"recent_runs", std::move(recent)}});
  }
  (void)now;
  return ApiResponse::Json({{"dags", std::move(out)},
                            {"broken_files", std::move(broken)},
                            {"next_cursor", next_cursor}});
}

Result<ApiResponse> GetDagHandler(const ApiRequest& req) {
  const std::string& id = req.Param("dag");
  SLUICE_ASSIGN_OR_RETURN(DagSpec dag, control::FindDag(req.ctx, id));
  SLUICE_ASSIGN_OR_RETURN(auto record, req.ctx.store.GetDag(dag.id));
  nlohmann::json tasks = nlohmann::json::array();
  for (const TaskSpec& t : dag.tasks) {
    tasks.push_back({{"task", t.id},
                     {"kind", t.kind},
                     {"upstream", t.needs},
                     {"pool", t.pool.empty() ? "default" : t.pool}});
  }
  nlohmann::json spec = nlohmann::json::parse(DagToJson(dag));
  nlohmann::json errors = nlohmann::json::array();
  if (record) {
    auto parsed = nlohmann::json::parse(record->errors_json, nullptr, false);
    if (parsed.is_array()) errors = parsed;
  }
  return ApiResponse::Json(
      {{"dag", dag.id},
       {"file", dag.file},
       {"description", dag.description},
       {"owner", dag.owner},
       {"tags", dag.tags},
       {"paused", record && record->paused},
       {"schedule", dag.schedule ? nlohmann::json(control::ScheduleText(dag)) : nlohmann::json()},
       {"schedule_text", dag.schedule ? nlohmann::json(control::ScheduleWords(dag)) : nullptr},
       {"timezone", dag.timezone},
       {"version", dag.hash},
       {"params", dag.params},
       {"errors", errors},
       {"tasks", std::move(tasks)},
       {"spec", std::move(spec)}});
}

Result<ApiResponse> DagSourceHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(DagSpec dag, control::FindDag(req.ctx, req.Param("dag")));
  // The file the DAG came from, named by the store or the folder, never by the request.
  auto text = ReadFile(dag.file);
  if (!text.ok()) {
    return Status::NotFound("the file of dag '" + dag.id +
                            "' cannot be read now: " + text.status().message());
  }
  return ApiResponse::Json({{"dag", dag.id}, {"file", dag.file}, {"source", *text}});
}

Handler PauseHandler(bool paused) {
  return [paused](const ApiRequest& req) -> Result<ApiResponse> {
    const std::string& id = req.Param("dag");
    SLUICE_RETURN_IF_ERROR(control::SetPaused(req.ctx, id, paused));
    return ApiResponse::Json({{"dag", id}, {"paused", paused}});
  };
}

}  // namespace

void AddDagRoutes(ServerState&, std::vector<Route>& routes) {
  routes.push_back({"GET", "/api/v1/dags", Access::kViewer, ListDagsHandler});
  routes.push_back({"GET", "/api/v1/dags/{dag}", Access::kViewer, GetDagHandler});
  routes.push_back({"GET", "/api/v1/dags/{dag}/source", Access::kViewer, DagSourceHandler});
  routes.push_back({"POST", "/api/v1/dags/{dag}/pause", Access::kOperator, PauseHandler(true)});
  routes.push_back({"POST", "/api/v1/dags/{dag}/unpause", Access::kOperator, PauseHandler(false)});
}

}  // namespace sluice::api
