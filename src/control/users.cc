// users.h: the rules (names, roles, password lengths, what a credential proves) over the store's
// rows (sluice/store.h) and libsodium (password.h).
#include "control/users.h"

#include <chrono>
#include <mutex>

#include "control/password.h"

namespace sluice::control {
namespace {

constexpr size_t kMaxName = 64;
constexpr size_t kMinPassword = 8;
constexpr size_t kMaxPassword = 1024;
constexpr size_t kMaxLabel = 200;
constexpr int kFirstAdminPasswordLength = 20;
constexpr std::string_view kTokenPrefix = "slu_";
// last_used is written at most this often per token.
constexpr Duration kLastUsedResolution = std::chrono::minutes(1);

Status ValidateName(const std::string& name) {
  const std::string rule = ": use 1 to 64 of A-Z a-z 0-9 _ . @ -";
  if (name.empty()) return Status::Invalid("empty user name" + rule);
  if (name.size() > kMaxName) return Status::Invalid("user name too long" + rule);
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '@' || c == '-';
    if (!ok) return Status::Invalid("invalid user name '" + name + "'" + rule);
  }
  return Status::Ok();
}

Status ValidatePassword(const std::string& password) {
  if (password.size() < kMinPassword) {
    return Status::Invalid("password too short: at least 8 characters");
  }
  if (password.size() > kMaxPassword)
    return Status::Invalid("password too long: at most 1024 bytes");
  return Status::Ok();
}

Result<User> ToUser(const UserRecord& r) {
  std::optional<Role> role = ParseRole(r.role);
  if (!role) {
    return Status::Internal("user '" + r.name + "' has an unknown role '" + r.role +
                            "' in the store");
  }
  return User{.name = r.name, .role = *role, .created = r.created, .last_login = r.last_login};
}

Result<User> GetExistingUser(const Context& ctx, const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<UserRecord> record, ctx.store.GetUser(name));
  if (!record) return Status::NotFound("no user '" + name + "'");
  return ToUser(*record);
}

// A hash to verify against when the user is unknown, so that answer costs what a wrong password
// costs. Made once per process, of a password nobody knows. When it cannot be made (Argon2id
// could not get its memory) the login fails with that error, rather than answering an unknown
// user faster than a known one; the next login tries again.
Result<std::string> DecoyHash() {
  static std::mutex mu;
  static std::string hash;
  std::lock_guard<std::mutex> lock(mu);
  if (hash.empty()) {
    SLUICE_ASSIGN_OR_RETURN(hash, HashPassword(RandomToken()));
  }
  return hash;
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kOperator:
      return "operator";
    case Role::kAdmin:
      return "admin";
  }
  return "viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kViewer, Role::kOperator, Role::kAdmin}) {
    if (name == RoleName(r)) return r;
  }
  return std::nullopt;
}

Result<Role> RoleFromName(std::string_view name) {
  std::optional<Role> role = ParseRole(name);
  if (!role) {
    return Status::Invalid("unknown role '" + std::string(name) +
                           "': use viewer, operator or admin");
  }
  return *role;
}

Status CreateUser(const Context& ctx, const std::string& name, Role role,
                  const std::string& password) {
  SLUICE_RETURN_IF_ERROR(ValidateName(name));
  SLUICE_RETURN_IF_ERROR(ValidatePassword(password));
  // Before hashing: a duplicate is told at once, not after the hash's tenth of a second.
  SLUICE_ASSIGN_OR_RETURN(std::optional<UserRecord> existing, ctx.store.GetUser(name));
  if (existing) return Status::Conflict("user '" + name + "' exists");
  SLUICE_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  return ctx.store.CreateUser(UserRecord{.name = name,
                                         .role = RoleName(role),
                                         .password_hash = hash,
                                         .created = ctx.clock.Now(),
                                         .last_login = std::nullopt});
}

Result<std::vector<User>> ListUsers(const Context& ctx) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<UserRecord> records, ctx.store.ListUsers());
  std::vector<User> out;
  for (const UserRecord& r : records) {
    SLUICE_ASSIGN_OR_RETURN(User u, ToUser(r));
    out.push_back(std::move(u));
  }
  return out;
}

Status DeleteUser(const Context& ctx, const std::string& name) {
  return ctx.store.DeleteUser(name);
}

Status ResetPassword(const Context& ctx, const std::string& name, const std::string& password) {
  SLUICE_RETURN_IF_ERROR(ValidatePassword(password));
  SLUICE_RETURN_IF_ERROR(GetExistingUser(ctx, name).status());
  SLUICE_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  return ctx.store.SetUserPassword(name, hash);
}

Status SetRole(const Context& ctx, const std::string& name, Role role) {
  return ctx.store.SetUserRole(name, RoleName(role));
}

Result<User> CheckPassword(const Context& ctx, const std::string& name,
                           const std::string& password) {
  const Status wrong = Status::Unauthenticated("wrong user name or password");
  SLUICE_ASSIGN_OR_RETURN(std::optional<UserRecord> record, ctx.store.GetUser(name));
  if (!record) {
    SLUICE_ASSIGN_OR_RETURN(const std::string decoy, DecoyHash());
    (void)VerifyPassword(decoy, password);
    return wrong;
  }
  if (!VerifyPassword(record->password_hash, password)) return wrong;
  const TimePoint now = ctx.clock.Now();
  SLUICE_RETURN_IF_ERROR(ctx.store.SetUserLastLogin(name, now));
  record->last_login = now;
  return ToUser(*record);
}

Result<NewToken> CreateToken(const Context& ctx, const std::string& user,
                             const std::string& label) {
  if (label.size() > kMaxLabel) return Status::Invalid("token label too long: at most 200 bytes");
  SLUICE_RETURN_IF_ERROR(GetExistingUser(ctx, user).status());
  NewToken out;
  out.token = std::string(kTokenPrefix) + RandomToken();
  SLUICE_ASSIGN_OR_RETURN(
      out.id, ctx.store.CreateApiToken(ApiTokenRecord{.id = 0,
                                                      .user = user,
                                                      .label = label,
                                                      .token_hash = HashToken(out.token),
                                                      .created = ctx.clock.Now(),
                                                      .last_used = std::nullopt,
                                                      .revoked = false}));
  return out;
}

Result<std::vector<TokenInfo>> ListTokens(const Context& ctx, const std::string& user) {
  if (!user.empty()) SLUICE_RETURN_IF_ERROR(GetExistingUser(ctx, user).status());
  SLUICE_ASSIGN_OR_RETURN(std::vector<ApiTokenRecord> records, ctx.store.ListApiTokens(user));
  std::vector<TokenInfo> out;
  for (const ApiTokenRecord& r : records) {
    if (r.revoked) continue;
    out.push_back(TokenInfo{.id = r.id,
                            .user = r.user,
                            .label = r.label,
                            .created = r.created,
                            .last_used = r.last_used});
  }
  return out;
}

Status RevokeToken(const Context& ctx, int64_t id) { return ctx.store.RevokeApiToken(id); }

Result<User> CheckToken(const Context& ctx, const std::string& token) {
  const Status invalid = Status::Unauthenticated("invalid or revoked API token");
  // Not one of ours: no need to ask the store.
  if (token.rfind(kTokenPrefix, 0) != 0) return invalid;
  SLUICE_ASSIGN_OR_RETURN(std::optional<ApiTokenRecord> record,
                          ctx.store.FindApiToken(HashToken(token)));
  if (!record || record->revoked) return invalid;
  SLUICE_ASSIGN_OR_RETURN(std::optional<UserRecord> user, ctx.store.GetUser(record->user));
  if (!user) return invalid;
  const TimePoint now = ctx.clock.Now();
  if (!record->last_used || now - *record->last_used >= kLastUsedResolution) {
    SLUICE_RETURN_IF_ERROR(ctx.store.SetApiTokenLastUsed(record->id, now));
  }
  return ToUser(*user);
}

Result<NewSession> CreateSession(const Context& ctx, const std::string& user, Duration ttl) {
  if (ttl <= Duration::zero()) return Status::Invalid("a session's lifetime must be positive");
  const TimePoint now = ctx.clock.Now();
  // Expired sessions are removed here, a login at a time, so none needs a timer of its own.
  SLUICE_RETURN_IF_ERROR(ctx.store.DeleteExpiredSessions(now).status());
  NewSession out{.id = RandomToken(), .csrf_token = RandomToken(), .expires = now + ttl};
  SLUICE_RETURN_IF_ERROR(ctx.store.CreateSession(SessionRecord{.id_hash = HashToken(out.id),
                                                               .user = user,
                                                               .csrf_token = out.csrf_token,
                                                               .created = now,
                                                               .expires = out.expires}));
  return out;
}

Result<SessionInfo> CheckSession(const Context& ctx, const std::string& session_id) {
  const Status none = Status::Unauthenticated("not logged in");
  if (session_id.empty()) return none;
  const std::string hash = HashToken(session_id);
  SLUICE_ASSIGN_OR_RETURN(std::optional<SessionRecord> session, ctx.store.GetSession(hash));
  if (!session) return none;
  if (ctx.clock.Now() >= session->expires) {
    SLUICE_RETURN_IF_ERROR(ctx.store.DeleteSession(hash));
    return Status::Unauthenticated("session expired; log in again");
  }
  SLUICE_ASSIGN_OR_RETURN(std::optional<UserRecord> user, ctx.store.GetUser(session->user));
  if (!user) return none;
  SLUICE_ASSIGN_OR_RETURN(User u, ToUser(*user));
  return SessionInfo{
      .user = std::move(u), .csrf_token = session->csrf_token, .expires = session->expires};
}

Status EndSession(const Context& ctx, const std::string& session_id) {
  return ctx.store.DeleteSession(HashToken(session_id));
}

Result<std::optional<std::string>> EnsureFirstAdmin(const Context& ctx) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<UserRecord> users, ctx.store.ListUsers());
  if (!users.empty()) return std::optional<std::string>();
  std::string password = RandomPassword(kFirstAdminPasswordLength);
  Status st = CreateUser(ctx, "admin", Role::kAdmin, password);
  // Another process made the first user meanwhile: it printed the password, not this one.
  if (st.code() == StatusCode::kConflict) return std::optional<std::string>();
  SLUICE_RETURN_IF_ERROR(st);
  return std::optional<std::string>(std::move(password));
}

}  // namespace sluice::control
