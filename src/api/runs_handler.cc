// /api/v1/runs and /api/v1/dags/{dag}/runs: runs listed with filters and keyset paging, one run,
// and a trigger.
#include "api/route.h"
#include "api/server.h"
#include "control/cancel.h"
#include "control/clear.h"
#include "control/record_json.h"
#include "control/run_list.h"
#include "control/run_lookup.h"
#include "control/trigger.h"
#include "util/strings.h"

namespace sluice::api {
namespace {

// A cursor names the last run of a page: opaque to clients (hex of a small JSON list), checked
// when read back.
std::string EncodeCursor(const RunRecord& run) {
  const std::string text =
      nlohmann::json::array({run.logical_date.time_since_epoch().count(), run.run_id, run.dag_id})
          .dump();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Result<RunFilter::Position> DecodeCursor(const std::string& cursor) {
  const Status bad = Status::Invalid("invalid cursor (pass the next_cursor of the page before)");
  if (cursor.size() % 2 != 0 || cursor.size() > 4096) return bad;
  std::string text;
  for (size_t i = 0; i < cursor.size(); i += 2) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int hi = nibble(cursor[i]);
    const int lo = nibble(cursor[i + 1]);
    if (hi < 0 || lo < 0) return bad;
    text += static_cast<char>(hi * 16 + lo);
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array() || j.size() != 3 || !j[0].is_number_integer() || !j[1].is_string() ||
      !j[2].is_string()) {
    return bad;
  }
  return RunFilter::Position{TimePoint(Duration(j[0].get<int64_t>())), j[1].get<std::string>(),
                             j[2].get<std::string>()};
}

Result<ApiResponse> ListRunsFor(const ApiRequest& req, const std::string& dag) {
  control::RunListQuery query;
  query.dag = dag;
  query.state = req.Query("state").value_or("");
  query.since = req.Query("since").value_or("");
  SLUICE_ASSIGN_OR_RETURN(int64_t limit, req.QueryInt("limit", 100, 1, 1000));
  // One more than asked tells whether a next page exists.
  query.limit = static_cast<int>(limit) + 1;
  // An empty cursor is the first page, as an absent one.
  if (auto cursor = req.Query("cursor"); cursor && !cursor->empty()) {
    SLUICE_ASSIGN_OR_RETURN(query.after, DecodeCursor(*cursor));
  }
  SLUICE_ASSIGN_OR_RETURN(auto runs, control::ListRuns(req.ctx, query));
  nlohmann::json next = nullptr;
  if (runs.size() > static_cast<size_t>(limit)) {
    runs.resize(static_cast<size_t>(limit));
    next = EncodeCursor(runs.back());
  }
  const TimePoint now = req.ctx.clock.Now();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : runs) out.push_back(control::RunDetailJson(r, now));
  return ApiResponse::Json({{"runs", std::move(out)}, {"next_cursor", next}});
}

Result<ApiResponse> GetRunHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(RunRecord run,
                          control::FindRun(req.ctx.store, req.Param("dag"), req.Param("run")));
  return ApiResponse::Json(control::RunDetailJson(run, req.ctx.clock.Now()));
}

// {"params": {"NAME": "VALUE"}}: values are strings, as `--param NAME=VALUE` gives them; a
// number or a boolean is taken as its JSON text.
Result<ApiResponse> TriggerHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(nlohmann::json body, req.JsonBody());
  for (const auto& [key, value] : body.items()) {
    if (key != "params") {
      return Status::Invalid("unknown field '" + key + "' in the body (use params)");
    }
  }
  std::vector<std::string> assignments;
  if (body.contains("params")) {
    const nlohmann::json& params = body["params"];
    if (!params.is_object()) return Status::Invalid("params must be an object of NAME: VALUE");
    for (const auto& [name, value] : params.items()) {
      // NAME=VALUE is split at the first '=': a name holding one would set another param.
      if (name.empty() || name.find('=') != std::string::npos) {
        return Status::Invalid("invalid param name '" + name + "' (empty, or holds '=')");
      }
      if (value.is_string()) {
        assignments.push_back(name + "=" + value.get<std::string>());
      } else if (value.is_number() || value.is_boolean()) {
        assignments.push_back(name + "=" + value.dump());
      } else {
        return Status::Invalid("param '" + name + "' must be a string, a number or a boolean");
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(auto triggered, control::Trigger(req.ctx, req.Param("dag"), assignments));
  SLUICE_ASSIGN_OR_RETURN(RunRecord run,
                          control::FindRun(req.ctx.store, triggered.dag_id, triggered.run_id));
  nlohmann::json out = control::RunDetailJson(run, req.ctx.clock.Now());
  out["dag_paused"] = triggered.dag_paused;
  return ApiResponse::Json(out, 201);
}

// POST .../runs/{run}/clear {"only_failed": bool} and .../cancel {}: as `sluice runs clear`
// and `sluice runs cancel`.
ApiResponse RunCommandAnswer(const ApiRequest& req, const std::string& message) {
  return ApiResponse::Json(
      {{"dag", req.Param("dag")}, {"run_id", req.Param("run")}, {"message", message}});
}

Result<ApiResponse> ClearRunHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(nlohmann::json body, req.JsonBody());
  SLUICE_RETURN_IF_ERROR(OnlyFields(body, {"only_failed"}));
  ClearScope scope;
  SLUICE_ASSIGN_OR_RETURN(scope.only_failed, BoolField(body, "only_failed"));
  SLUICE_ASSIGN_OR_RETURN(std::string message,
                          control::Clear(req.ctx, req.Param("dag"), req.Param("run"), scope));
  return RunCommandAnswer(req, message);
}

Result<ApiResponse> CancelRunHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(nlohmann::json body, req.JsonBody());
  SLUICE_RETURN_IF_ERROR(OnlyFields(body, {}));
  SLUICE_ASSIGN_OR_RETURN(std::string message,
                          control::CancelRun(req.ctx, req.Param("dag"), req.Param("run")));
  return RunCommandAnswer(req, message);
}

}  // namespace

void AddRunRoutes(ServerState&, std::vector<Route>& routes) {
  routes.push_back({"GET", "/api/v1/runs", Access::kViewer, [](const ApiRequest& req) {
                      return ListRunsFor(req, req.Query("dag").value_or(""));
                    }});
  routes.push_back({"GET", "/api/v1/dags/{dag}/runs", Access::kViewer,
                    [](const ApiRequest& req) { return ListRunsFor(req, req.Param("dag")); }});
  routes.push_back({"POST", "/api/v1/dags/{dag}/runs", Access::kOperator, TriggerHandler});
  routes.push_back({"GET", "/api/v1/dags/{dag}/runs/{run}", Access::kViewer, GetRunHandler});
  routes.push_back(
      {"POST", "/api/v1/dags/{dag}/runs/{run}/clear", Access::kOperator, ClearRunHandler});
  routes.push_back(
      {"POST", "/api/v1/dags/{dag}/runs/{run}/cancel", Access::kOperator, CancelRunHandler});
}

}  // namespace sluice::api
