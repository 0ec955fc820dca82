// /api/v1/dags/{dag}/runs/{run}/tasks: a run's task instances with why each waits, one task
// instance, its attempts, and the commands on it (clear, mark, kill).
#include "api/route.h"
#include "api/server.h"
#include "control/clear.h"
#include "control/kill.h"
#include "control/mark.h"
#include "control/record_json.h"
#include "control/run_lookup.h"
#include "control/task_why.h"

namespace sluice::api {
namespace {

Result<ApiResponse> ListTasksHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(RunRecord run,
                          control::FindRun(req.ctx.store, req.Param("dag"), req.Param("run")));
  SLUICE_ASSIGN_OR_RETURN(auto whys, control::WhyTasks(req.ctx, run));
  SLUICE_ASSIGN_OR_RETURN(auto attempts, req.ctx.store.ListAttempts(run.dag_id, run.run_id, ""));
  const TimePoint now = req.ctx.clock.Now();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& why : whys) {
    out.push_back(control::TaskJson(why, control::NewestAttempt(attempts, why.task), now));
  }
  return ApiResponse::Json({{"dag", run.dag_id}, {"run_id", run.run_id}, {"tasks", out}});
}

Result<ApiResponse> GetTaskHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(
      auto why, control::WhyTask(req.ctx, req.Param("dag"), req.Param("run"), req.Param("task")));
  SLUICE_ASSIGN_OR_RETURN(auto attempts, req.ctx.store.ListAttempts(
                                             why.task.dag_id, why.task.run_id, why.task.task_id));
  nlohmann::json out =
      control::TaskJson(why, control::NewestAttempt(attempts, why.task), req.ctx.clock.Now());
  out["dag"] = why.task.dag_id;
  out["run_id"] = why.task.run_id;
  return ApiResponse::Json(out);
}

Result<ApiResponse> ListAttemptsHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(RunRecord run,
                          control::FindRun(req.ctx.store, req.Param("dag"), req.Param("run")));
  const std::string& task = req.Param("task");
  SLUICE_RETURN_IF_ERROR(control::FindTaskInstance(req.ctx.store, run, task).status());
  SLUICE_ASSIGN_OR_RETURN(auto attempts, req.ctx.store.ListAttempts(run.dag_id, run.run_id, task));
  const TimePoint now = req.ctx.clock.Now();
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : attempts) out.push_back(control::AttemptJson(a, now));
  return ApiResponse::Json({{"attempts", out}});
}

ApiResponse CommandAnswer(const ApiRequest& req, const std::string& message) {
  return ApiResponse::Json({{"dag", req.Param("dag")},
                            {"run_id", req.Param("run")},
                            {"task", req.Param("task")},
                            {"message", message}});
}

Result<ApiResponse> ClearHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(nlohmann::json body, req.JsonBody());
  SLUICE_RETURN_IF_ERROR(OnlyFields(body, {"downstream", "upstream"}));
  ClearScope scope{.task = req.Param("task")};
  SLUICE_ASSIGN_OR_RETURN(scope.downstream, BoolField(body, "downstream"));
  SLUICE_ASSIGN_OR_RETURN(scope.upstream, BoolField(body, "upstream"));
  SLUICE_ASSIGN_OR_RETURN(std::string message,
                          control::Clear(req.ctx, req.Param("dag"), req.Param("run"), scope));
  return CommandAnswer(req, message);
}

Result<ApiResponse> MarkHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(nlohmann::json body, req.JsonBody());
  SLUICE_RETURN_IF_ERROR(OnlyFields(body, {"state"}));
  const nlohmann::json state = body.value("state", nlohmann::json());
  if (!state.is_string() || (state != "success" && state != "failed")) {
    return Status::Invalid("state must be \"success\" or \"failed\"");
  }
  const TaskState to = state == "success" ? TaskState::kSuccess : TaskState::kFailed;
  SLUICE_ASSIGN_OR_RETURN(
      std::string message,
      control::Mark(req.ctx, req.Param("dag"), req.Param("run"), req.Param("task"), to));
  return CommandAnswer(req, message);
}

Result<ApiResponse> KillHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(nlohmann::json body, req.JsonBody());
  SLUICE_RETURN_IF_ERROR(OnlyFields(body, {}));
  SLUICE_ASSIGN_OR_RETURN(std::string message, control::Kill(req.ctx, req.Param("dag"),
                                                             req.Param("run"), req.Param("task")));
  return CommandAnswer(req, message);
}

}  // namespace

void AddTaskRoutes(ServerState&, std::vector<Route>& routes) {
  const std::string base = "/api/v1/dags/{dag}/runs/{run}/tasks";
  routes.push_back({"GET", base, Access::kViewer, ListTasksHandler});
  routes.push_back({"GET", base + "/{task}", Access::kViewer, GetTaskHandler});
  routes.push_back({"GET", base + "/{task}/attempts", Access::kViewer, ListAttemptsHandler});
  routes.push_back({"POST", base + "/{task}/clear", Access::kOperator, ClearHandler});
  routes.push_back({"POST", base + "/{task}/mark", Access::kOperator, MarkHandler});
  routes.push_back({"POST", base + "/{task}/kill", Access::kOperator, KillHandler});
}

}  // namespace sluice::api
