#pragma once
// Users of the API and the UI, their API tokens and their browser sessions (docs/api.md,
// "Signing in"), shared by `sluice users`, `sluice tokens` and src/api. Passwords are kept as
// Argon2id hashes, tokens and session ids as BLAKE2b-256 hashes (password.h): nothing a user
// presents is stored in clear. Every call is one store transaction or a few, each consistent.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/context.h"

namespace sluice::control {

enum class Role { kViewer, kOperator, kAdmin };  // each may do all the one before may
const char* RoleName(Role role);                 // "viewer", "operator", "admin"
std::optional<Role> ParseRole(std::string_view name);
// ParseRole with the message a user reads: kInvalidArgument "unknown role 'x': use viewer,
// operator or admin".
Result<Role> RoleFromName(std::string_view name);

struct User {
  std::string name;
  Role role = Role::kViewer;
  TimePoint created;
  std::optional<TimePoint> last_login;
};
// Names [A-Za-z0-9_.@-]{1,64}; passwords 8 to 1024 bytes. Errors: kInvalidArgument with the
// rule ("password too short: at least 8 characters"), "user 'x' exists" (kConflict), kNotFound
// "no user 'x'".
Status CreateUser(const Context& ctx, const std::string& name, Role role,
                  const std::string& password);
Result<std::vector<User>> ListUsers(const Context& ctx);         // by name
Status DeleteUser(const Context& ctx, const std::string& name);  // its tokens and sessions too
Status ResetPassword(const Context& ctx, const std::string& name,
                     const std::string& password);  // ends its sessions
Status SetRole(const Context& ctx, const std::string& name, Role role);
// kUnauthenticated "wrong user name or password" for an unknown user and for a wrong password
// alike (an unknown user still costs one hash verification, so timing does not tell them
// apart). Sets last_login.
Result<User> CheckPassword(const Context& ctx, const std::string& name,
                           const std::string& password);

struct NewToken {
  int64_t id = 0;
  std::string token;
};  // token: "slu_" + 43 base64url chars, shown once
// Errors: kNotFound "no user 'x'"; kInvalidArgument for a label over 200 bytes.
Result<NewToken> CreateToken(const Context& ctx, const std::string& user, const std::string& label);
struct TokenInfo {
  int64_t id = 0;
  std::string user;
  std::string label;
  TimePoint created;
  std::optional<TimePoint> last_used;
};
// The tokens not revoked, by id. Errors: kNotFound "no user 'x'" for a user that does not exist.
Result<std::vector<TokenInfo>> ListTokens(const Context& ctx, const std::string& user);  // "" = all
// Errors: kNotFound "no API token ID". Revoking a revoked token again changes nothing.
Status RevokeToken(const Context& ctx, int64_t id);
// The token's user. kUnauthenticated "invalid or revoked API token". Writes last_used at most
// once a minute per token (a request per token must not mean a write per request).
Result<User> CheckToken(const Context& ctx, const std::string& token);

struct NewSession {
  std::string id;
  std::string csrf_token;
  TimePoint expires;
};
// Also deletes every session that has expired. Errors: kNotFound "no user 'x'";
// kInvalidArgument for a ttl that is not positive.
Result<NewSession> CreateSession(const Context& ctx, const std::string& user, Duration ttl);
struct SessionInfo {
  User user;
  std::string csrf_token;
  TimePoint expires;
};
// kUnauthenticated "session expired; log in again" / "not logged in" for an unknown id.
Result<SessionInfo> CheckSession(const Context& ctx, const std::string& session_id);
// Logs the session out; an unknown id is no error.
Status EndSession(const Context& ctx, const std::string& session_id);

// First start of `sluice standalone`: when the store has no user at all, creates "admin"
// (role admin) with a random 20-character password and returns it; nullopt when any user exists.
Result<std::optional<std::string>> EnsureFirstAdmin(const Context& ctx);

}  // namespace sluice::control
