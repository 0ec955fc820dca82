#pragma once
// A route of the API as data: method, path template, who may call it and its handler. The
// server registers the table with the HTTP library, and a test checks the same table against
// the OpenAPI document, so the two cannot drift apart.
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/context.h"
#include "sluice/status.h"

namespace httplib {
struct Request;
struct DataSink;
}  // namespace httplib

namespace sluice::api {

// Who may call a route; each level may do all the levels before it may.
enum class Access { kPublic, kViewer, kOperator, kAdmin };
const char* AccessName(Access access);  // "public", "viewer", "operator", "admin"

// The user a request acts as, and how it proved it.
struct Principal {
  std::string user;
  Access role = Access::kViewer;
  bool via_session = false;  // the browser's cookie (changes need the CSRF token)
  std::string session_id;    // when via_session
  std::string csrf_token;    // when via_session
};

// One request as a handler sees it.
struct ApiRequest {
  const httplib::Request& http;
  const control::Context& ctx;
  const std::optional<Principal>& principal;  // set for every route but public ones
  std::map<std::string, std::string> params;  // path parameters by name, decoded
  std::string client;                         // the peer's address, for rate limits

  const std::string& Param(const std::string& name) const;
  // A query parameter; nullopt when absent.
  std::optional<std::string> Query(const std::string& name) const;
  // A query parameter as an integer in [min, max], `fallback` when absent. Errors
  // (kInvalidArgument): "invalid NAME 'X' (use a whole number from MIN to MAX)".
  Result<int64_t> QueryInt(const std::string& name, int64_t fallback, int64_t min,
                           int64_t max) const;
  // The body as a JSON object (an empty body is {}). Errors (kInvalidArgument): "the body is
  // not valid JSON: ...", "the body must be a JSON object".
  Result<nlohmann::json> JsonBody() const;
};

// What a handler answers: a JSON body by default, or text, or a stream (Server-Sent Events).
struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is produced by this as the client reads (chunked); it returns false
  // when done or when the client went away.
  std::function<bool(httplib::DataSink& sink)> stream;

  static ApiResponse Json(const nlohmann::json& value, int status = 200);
  static ApiResponse NoContent();
};

// A body's checks. OnlyFields: kInvalidArgument "unknown field 'x' in the body (use a, b)" or
// "(it takes none)". BoolField: the field, false when absent; kInvalidArgument "NAME must be
// true or false".
Status OnlyFields(const nlohmann::json& body, std::initializer_list<const char*> allowed);
Result<bool> BoolField(const nlohmann::json& body, const char* name);

using Handler = std::function<Result<ApiResponse>(const ApiRequest& request)>;

struct Route {
  std::string method;  // GET, POST, DELETE
  std::string path;    // "/api/v1/dags/{dag}": OpenAPI's template syntax
  Access access = Access::kViewer;
  Handler handler;
};

// Every route of the API, in one table (routes.cc gathers each resource's file).
class ServerState;
std::vector<Route> ApiRoutes(ServerState& state);

// The resource files: each adds its routes.
void AddHealthRoutes(ServerState& state, std::vector<Route>& routes);
void AddSessionRoutes(ServerState& state, std::vector<Route>& routes);
void AddDagRoutes(ServerState& state, std::vector<Route>& routes);
void AddRunRoutes(ServerState& state, std::vector<Route>& routes);
void AddTaskRoutes(ServerState& state, std::vector<Route>& routes);
void AddLogRoutes(ServerState& state, std::vector<Route>& routes);
void AddGridRoutes(ServerState& state, std::vector<Route>& routes);
void AddUserRoutes(ServerState& state, std::vector<Route>& routes);
void AddTokenRoutes(ServerState& state, std::vector<Route>& routes);
void AddMetricsRoutes(ServerState& state, std::vector<Route>& routes);

}  // namespace sluice::api
