// /api/v1/session: the browser's login (a session cookie and its CSRF token), who is logged in,
// and logout. Failed logins are rate-limited per user name and per address (login_limiter.h).
#include <httplib.h>

#include "api/api_error.h"
#include "api/auth.h"
#include "api/route.h"
#include "api/server.h"
#include "control/users.h"
#include "time/time_format.h"

namespace sluice::api {
namespace {

ApiResponse ErrorResponse(const Status& status) {
  const ApiError e = ErrorFor(status);
  ApiResponse res;
  res.status = e.http_status;
  res.body = ErrorBody(e);
  return res;
}

// Over TLS (here or at a proxy in front, which says so) the cookie is sent only over TLS.
bool OverTls(const httplib::Request& req) {
  return req.get_header_value("X-Forwarded-Proto") == "https";
}

std::string SessionCookie(const std::string& value, int64_t max_age, bool secure) {
  return std::string(kSessionCookie) + "=" + value +
         "; Path=/; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

Result<std::string> StringField(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) {
    return Status::Invalid(std::string("the body needs \"") + name + "\" (a string)");
  }
  return it->get<std::string>();
}

Handler LoginHandler(ServerState& state) {
  return [&state](const ApiRequest& req) -> Result<ApiResponse> {
    SLUICE_ASSIGN_OR_RETURN(nlohmann::json body, req.JsonBody());
    for (const auto& [key, value] : body.items()) {
      if (key != "user" && key != "password") {
        return Status::Invalid("unknown field '" + key + "' in the body (use user, password)");
      }
    }
    SLUICE_ASSIGN_OR_RETURN(std::string user, StringField(body, "user"));
    SLUICE_ASSIGN_OR_RETURN(std::string password, StringField(body, "password"));
    const TimePoint now = req.ctx.clock.Now();
    int retry_after = 0;
    if (Status st = state.logins.Check(user, req.client, now, &retry_after); !st.ok()) {
      ApiResponse res = ErrorResponse(st);
      res.headers.emplace_back("Retry-After", std::to_string(retry_after));
      return res;
    }
    auto who = control::CheckPassword(req.ctx, user, password);
    if (!who.ok()) {
      if (who.status().code() == StatusCode::kUnauthenticated) {
        state.logins.RecordFailure(user, req.client, now);
      }
      return who.status();
    }
    state.logins.RecordSuccess(user);
    SLUICE_ASSIGN_OR_RETURN(auto session,
                            control::CreateSession(req.ctx, who->name, state.options.session_ttl));
    ApiResponse res = ApiResponse::Json({{"user", who->name},
                                         {"role", control::RoleName(who->role)},
                                         {"csrf_token", session.csrf_token},
                                         {"expires", FormatIsoUtc(session.expires)}});
    const auto max_age =
        std::chrono::duration_cast<std::chrono::seconds>(state.options.session_ttl).count();
    res.headers.emplace_back("Set-Cookie", SessionCookie(session.id, max_age, OverTls(req.http)));
    return res;
  };
}

Result<ApiResponse> WhoAmIHandler(const ApiRequest& req) {
  const Principal& who = *req.principal;
  return ApiResponse::Json(
      {{"user", who.user},
       {"role", AccessName(who.role)},
       {"via", who.via_session ? "session" : "token"},
       {"csrf_token", who.via_session ? nlohmann::json(who.csrf_token) : nlohmann::json()}});
}

Result<ApiResponse> LogoutHandler(const ApiRequest& req) {
  const Principal& who = *req.principal;
  if (who.via_session) SLUICE_RETURN_IF_ERROR(control::EndSession(req.ctx, who.session_id));
  ApiResponse res = ApiResponse::NoContent();
  res.headers.emplace_back("Set-Cookie", SessionCookie("", 0, OverTls(req.http)));
  return res;
}

}  // namespace

void AddSessionRoutes(ServerState& state, std::vector<Route>& routes) {
  routes.push_back({"POST", "/api/v1/session", Access::kPublic, LoginHandler(state)});
  routes.push_back({"GET", "/api/v1/session", Access::kViewer, WhoAmIHandler});
  routes.push_back({"DELETE", "/api/v1/session", Access::kViewer, LogoutHandler});
}

}  // namespace sluice::api
