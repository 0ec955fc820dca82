#include "api/auth.h"

#include <httplib.h>
#include <sodium.h>

#include "control/users.h"

namespace sluice::api {
namespace {

Access AccessOf(control::Role role) {
  switch (role) {
    case control::Role::kViewer:
      return Access::kViewer;
    case control::Role::kOperator:
      return Access::kOperator;
    case control::Role::kAdmin:
      return Access::kAdmin;
  }
  return Access::kViewer;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::string CookieValue(const httplib::Request& request, const std::string& name) {
  const size_t n = request.get_header_value_count("Cookie");
  for (size_t i = 0; i < n; ++i) {
    // get_header_value answers a std::string: kept alive here while the view walks it.
    const std::string value = request.get_header_value("Cookie", i);
    std::string_view header = value;
    while (!header.empty()) {
      const size_t semi = header.find(';');
      std::string_view pair = Trim(header.substr(0, semi));
      header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
      const size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
        return std::string(pair.substr(eq + 1));
      }
    }
  }
  return "";
}

Result<Principal> Authenticate(const httplib::Request& request, const control::Context& ctx) {
  if (request.has_header("Authorization")) {
    const std::string value = request.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (value.size() <= kBearer.size() || value.compare(0, kBearer.size(), kBearer) != 0) {
      return Status::Unauthenticated("Authorization must be 'Bearer TOKEN'");
    }
    auto user = control::CheckToken(ctx, value.substr(kBearer.size()));
    if (!user.ok()) return user.status();
    return Principal{user->name, AccessOf(user->role), false, "", ""};
  }
  const std::string session = CookieValue(request, kSessionCookie);
  if (session.empty()) {
    return Status::Unauthenticated(
        "sign in first: send a session cookie or an Authorization: Bearer token");
  }
  auto info = control::CheckSession(ctx, session);
  if (!info.ok()) return info.status();
  return Principal{info->user.name, AccessOf(info->user.role), true, session, info->csrf_token};
}

Status CheckRole(const Principal& principal, Access access) {
  if (static_cast<int>(principal.role) >= static_cast<int>(access)) return Status::Ok();
  return Status::Denied("user '" + principal.user + "' (" + AccessName(principal.role) +
                        ") may not do this: it needs the " + AccessName(access) + " role");
}

bool CsrfOk(const httplib::Request& request, const Principal& principal) {
  if (!principal.via_session) return true;
  if (request.method == "GET" || request.method == "HEAD") return true;
  const std::string sent = request.get_header_value(kCsrfHeader);
  const std::string& want = principal.csrf_token;
  return !want.empty() && sent.size() == want.size() &&
         sodium_memcmp(sent.data(), want.data(), want.size()) == 0;
}

}  // namespace sluice::api
