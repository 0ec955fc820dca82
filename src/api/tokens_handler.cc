// /api/v1/tokens: API tokens for scripts. Everyone manages their own; an admin also everyone
// else's. A token is shown once, in the answer that creates it; the store keeps its hash.
#include <charconv>

#include "api/route.h"
#include "api/server.h"
#include "control/record_json.h"
#include "control/users.h"

namespace sluice::api {
namespace {

nlohmann::json TokenJson(const control::TokenInfo& t) {
  return {{"id", t.id},
          {"user", t.user},
          {"label", t.label},
          {"created", control::JsonTime(t.created)},
          {"last_used", control::JsonTime(t.last_used)}};
}

bool IsAdmin(const ApiRequest& req) { return req.principal->role == Access::kAdmin; }

Result<ApiResponse> ListTokensHandler(const ApiRequest& req) {
  std::string user = req.principal->user;
  if (auto asked = req.Query("user")) {
    if (*asked != user && !IsAdmin(req)) {
      return Status::Denied("only an admin may list another user's tokens");
    }
    user = *asked;
  } else if (IsAdmin(req)) {
    user.clear();  // an admin sees every token
  }
  SLUICE_ASSIGN_OR_RETURN(auto tokens, control::ListTokens(req.ctx, user));
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : tokens) out.push_back(TokenJson(t));
  return ApiResponse::Json({{"tokens", out}});
}

Result<ApiResponse> CreateTokenHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(nlohmann::json body, req.JsonBody());
  std::string user = req.principal->user;
  std::string label;
  for (const auto& [key, value] : body.items()) {
    if (key != "user" && key != "label") {
      return Status::Invalid("unknown field '" + key + "' in the body (use label, user)");
    }
    if (!value.is_string()) return Status::Invalid(key + " must be a string");
  }
  if (body.contains("label")) label = body["label"].get<std::string>();
  if (body.contains("user") && body["user"] != user) {
    if (!IsAdmin(req)) return Status::Denied("only an admin may make a token for another user");
    user = body["user"].get<std::string>();
  }
  SLUICE_ASSIGN_OR_RETURN(auto token, control::CreateToken(req.ctx, user, label));
  return ApiResponse::Json(
      {{"id", token.id}, {"user", user}, {"label", label}, {"token", token.token}}, 201);
}

Result<ApiResponse> RevokeTokenHandler(const ApiRequest& req) {
  const std::string& text = req.Param("id");
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
    return Status::Invalid("invalid token id '" + text + "' (use the id tokens list shows)");
  }
  if (!IsAdmin(req)) {
    SLUICE_ASSIGN_OR_RETURN(auto own, control::ListTokens(req.ctx, req.principal->user));
    const bool mine =
        std::any_of(own.begin(), own.end(), [&](const auto& t) { return t.id == id; });
    // Someone else's token is "not found" to a non-admin: ids do not tell what exists.
    if (!mine)
      return Status::NotFound("no token " + text + " of user '" + req.principal->user + "'");
  }
  SLUICE_RETURN_IF_ERROR(control::RevokeToken(req.ctx, id));
  return ApiResponse::NoContent();
}

}  // namespace

void AddTokenRoutes(ServerState&, std::vector<Route>& routes) {
  routes.push_back({"GET", "/api/v1/tokens", Access::kViewer, ListTokensHandler});
  routes.push_back({"POST", "/api/v1/tokens", Access::kViewer, CreateTokenHandler});
  routes.push_back({"DELETE", "/api/v1/tokens/{id}", Access::kViewer, RevokeTokenHandler});
}

}  // namespace sluice::api
