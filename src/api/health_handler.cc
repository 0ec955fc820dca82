// /api/v1/health (for load balancers: no sign-in, says only whether the store answers) and
// /api/v1/version, and the OpenAPI document (public: it describes, it holds no data).
#include "api/openapi_doc.h"
#include "api/route.h"
#include "api/server.h"
#include "control/scheduler_lock.h"

namespace sluice::api {

void AddHealthRoutes(ServerState& state, std::vector<Route>& routes) {
  routes.push_back(
      {"GET", "/api/v1/health", Access::kPublic, [](const ApiRequest& req) -> Result<ApiResponse> {
         auto version = req.ctx.store.SchemaVersion();
         if (!version.ok()) {
           return ApiResponse::Json({{"status", "unavailable"}, {"store", "cannot be read"}}, 503);
         }
         return ApiResponse::Json({{"status", "ok"}});
       }});
  routes.push_back({"GET", "/api/v1/openapi.json", Access::kPublic,
                    [](const ApiRequest&) -> Result<ApiResponse> {
                      ApiResponse res;
                      res.body = std::string(OpenApiDocument());
                      return res;
                    }});
  routes.push_back({"GET", "/api/v1/version", Access::kViewer,
                    [&state](const ApiRequest& req) -> Result<ApiResponse> {
                      return ApiResponse::Json(
                          {{"version", state.options.version},
                           {"scheduler_running", control::SchedulerRunning(req.ctx.config)}});
                    }});
}

}  // namespace sluice::api
