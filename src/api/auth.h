#pragma once
// Who a request comes from: a bearer API token (scripts) or the browser's session cookie
// (control/users.h keeps both hashed), and the checks that follow from it: the route's role,
// and for a cookie request that changes something, the CSRF token.
#include <string>

#include "api/route.h"

namespace httplib {
struct Request;
}

namespace sluice::api {

inline constexpr char kSessionCookie[] = "sluice_session";
inline constexpr char kCsrfHeader[] = "X-CSRF-Token";

// The principal of `request`: `Authorization: Bearer TOKEN` when present (a bad token is an
// error even if a cookie came too), else the `sluice_session` cookie. Errors
// (kUnauthenticated): "sign in first: send a session cookie or an Authorization: Bearer
// token", "invalid or revoked API token", "not logged in", "session expired; log in again",
// "Authorization must be 'Bearer TOKEN'".
Result<Principal> Authenticate(const httplib::Request& request, const control::Context& ctx);

// OK when `principal` may call a route open to `access`; else kPermissionDenied "user 'U'
// (viewer) may not do this: it needs the operator role".
Status CheckRole(const Principal& principal, Access access);

// OK unless the request came with a session cookie, changes something (not GET or HEAD) and
// lacks the session's CSRF token in X-CSRF-Token. Compared in constant time.
bool CsrfOk(const httplib::Request& request, const Principal& principal);

// The value of cookie `name` in the request's Cookie headers; empty when absent.
std::string CookieValue(const httplib::Request& request, const std::string& name);

}  // namespace sluice::api
