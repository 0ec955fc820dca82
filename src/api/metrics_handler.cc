// GET /metrics: metrics.h's text, for Prometheus. A viewer's token like every other read: the
// figures name DAGs, which an anonymous caller should not list.
#include "api/metrics.h"
#include "api/route.h"
#include "api/server.h"

namespace sluice::api {

void AddMetricsRoutes(ServerState& state, std::vector<Route>& routes) {
  routes.push_back(
      {"GET", "/metrics", Access::kViewer, [&state](const ApiRequest& req) -> Result<ApiResponse> {
         SLUICE_ASSIGN_OR_RETURN(std::string text,
                                 RenderMetrics(req.ctx.store, state.options.scheduler_stats));
         ApiResponse res;
         res.content_type = kMetricsContentType;
         res.body = std::move(text);
         return res;
       }});
}

}  // namespace sluice::api
