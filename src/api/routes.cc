#include "api/route.h"

namespace sluice::api {

std::vector<Route> ApiRoutes(ServerState& state) {
  std::vector<Route> routes;
  AddHealthRoutes(state, routes);
  AddSessionRoutes(state, routes);
  AddUserRoutes(state, routes);
  AddTokenRoutes(state, routes);
  AddDagRoutes(state, routes);
  AddGridRoutes(state, routes);
  AddRunRoutes(state, routes);
  AddTaskRoutes(state, routes);
  AddLogRoutes(state, routes);
  AddMetricsRoutes(state, routes);
  return routes;
}

}  // namespace sluice::api
