// SqliteStore's users, API tokens and sessions (0011_users.sql). Each call is one statement or
// one transaction; a user's tokens and sessions are deleted with it in the same transaction.
#include <string>

#include "store/sqlite/sqlite_store.h"

namespace sluice {
namespace {

using sqlite::Query;
using sqlite::Statement;

std::string UserName(const std::string& name) { return "user '" + name + "'"; }
Status NoUser(const std::string& name) { return Status::NotFound("no " + UserName(name)); }
Status NoToken(int64_t id) { return Status::NotFound("no API token " + std::to_string(id)); }

constexpr const char* kUserColumns =
    "SELECT name, role, password_hash, created_us, last_login_us FROM users";
constexpr const char* kTokenColumns =
    "SELECT id, user_name, label, token_hash, created_us, last_used_us, revoked FROM api_tokens";

UserRecord ReadUser(const Statement& s) {
  return UserRecord{.name = s.Text(0),
                    .role = s.Text(1),
                    .password_hash = s.Text(2),
                    .created = s.Time(3),
                    .last_login = s.OptionalTime(4)};
}

ApiTokenRecord ReadToken(const Statement& s) {
  return ApiTokenRecord{.id = s.Int(0),
                        .user = s.Text(1),
                        .label = s.Text(2),
                        .token_hash = s.Text(3),
                        .created = s.Time(4),
                        .last_used = s.OptionalTime(5),
                        .revoked = s.Bool(6)};
}

}  // namespace

Status SqliteStore::CreateUser(const UserRecord& user) {
  const std::string op = "create " + UserName(user.name);
  SLUICE_ASSIGN_OR_RETURN(
      Statement * insert,
      db_->Prepare("INSERT INTO users (name, role, password_hash, created_us, last_login_us) "
                   "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO NOTHING"));
  Query q(*insert);
  q->Bind(1, user.name);
  q->Bind(2, user.role);
  q->Bind(3, user.password_hash);
  q->Bind(4, user.created);
  q->Bind(5, user.last_login);
  SLUICE_RETURN_IF_ERROR(q->Run(op));
  if (db_->Changes() == 0) return Status::Conflict(UserName(user.name) + " exists");
  return Status::Ok();
}

Result<std::optional<UserRecord>> SqliteStore::GetUser(const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(Statement * select,
                          db_->Prepare(std::string(kUserColumns) + " WHERE name = ?1"));
  Query q(*select);
  q->Bind(1, name);
  SLUICE_ASSIGN_OR_RETURN(bool row, q->Step("get " + UserName(name)));
  if (!row) return std::optional<UserRecord>();
  return std::optional<UserRecord>(ReadUser(*q));
}

Result<std::vector<UserRecord>> SqliteStore::ListUsers() {
  SLUICE_ASSIGN_OR_RETURN(Statement * select,
                          db_->Prepare(std::string(kUserColumns) + " ORDER BY name"));
  Query q(*select);
  std::vector<UserRecord> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step("list users"));
    if (!row) break;
    out.push_back(ReadUser(*q));
  }
  return out;
}

Status SqliteStore::DeleteUser(const std::string& name) {
  const std::string op = "delete " + UserName(name);
  return InTransaction([&]() -> Status {
    // Tokens and sessions first: a reader never sees them without their user.
    for (const char* sql : {"DELETE FROM api_tokens WHERE user_name = ?1",
                            "DELETE FROM sessions WHERE user_name = ?1"}) {
      SLUICE_ASSIGN_OR_RETURN(Statement * del, db_->Prepare(sql));
      Query q(*del);
      q->Bind(1, name);
      SLUICE_RETURN_IF_ERROR(q->Run(op));
    }
    SLUICE_ASSIGN_OR_RETURN(Statement * del, db_->Prepare("DELETE FROM users WHERE name = ?1"));
    Query q(*del);
    q->Bind(1, name);
    SLUICE_RETURN_IF_ERROR(q->Run(op));
    // Rolled back, so an unknown name deletes nothing (it had no tokens or sessions anyway).
    if (db_->Changes() == 0) return NoUser(name);
    return Status::Ok();
  });
}

Status SqliteStore::SetUserPassword(const std::string& name, const std::string& password_hash) {
  const std::string op = "set the password of " + UserName(name);
  return InTransaction([&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(Statement * update,
                            db_->Prepare("UPDATE users SET password_hash = ?2 WHERE name = ?1"));
    {
      Query q(*update);
      q->Bind(1, name);
      q->Bind(2, password_hash);
      SLUICE_RETURN_IF_ERROR(q->Run(op));
      if (db_->Changes() == 0) return NoUser(name);
    }
    // Whoever logged in with the old password is logged out.
    SLUICE_ASSIGN_OR_RETURN(Statement * del,
                            db_->Prepare("DELETE FROM sessions WHERE user_name = ?1"));
    Query q(*del);
    q->Bind(1, name);
    return q->Run(op);
  });
}

Status SqliteStore::SetUserRole(const std::string& name, const std::string& role) {
  SLUICE_ASSIGN_OR_RETURN(Statement * update,
                          db_->Prepare("UPDATE users SET role = ?2 WHERE name = ?1"));
  Query q(*update);
  q->Bind(1, name);
  q->Bind(2, role);
  SLUICE_RETURN_IF_ERROR(q->Run("set the role of " + UserName(name)));
  if (db_->Changes() == 0) return NoUser(name);
  return Status::Ok();
}

Status SqliteStore::SetUserLastLogin(const std::string& name, TimePoint when) {
  SLUICE_ASSIGN_OR_RETURN(Statement * update,
                          db_->Prepare("UPDATE users SET last_login_us = ?2 WHERE name = ?1"));
  Query q(*update);
  q->Bind(1, name);
  q->Bind(2, when);
  SLUICE_RETURN_IF_ERROR(q->Run("set the last login of " + UserName(name)));
  if (db_->Changes() == 0) return NoUser(name);
  return Status::Ok();
}

Result<int64_t> SqliteStore::CreateApiToken(const ApiTokenRecord& token) {
  const std::string op = "create an API token for " + UserName(token.user);
  int64_t id = 0;
  SLUICE_RETURN_IF_ERROR(InTransaction([&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(std::optional<UserRecord> user, GetUser(token.user));
    if (!user) return NoUser(token.user);
    SLUICE_ASSIGN_OR_RETURN(
        Statement * insert,
        db_->Prepare("INSERT INTO api_tokens (user_name, label, token_hash, created_us, "
                     "last_used_us, revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                     "ON CONFLICT (token_hash) DO NOTHING"));
    Query q(*insert);
    q->Bind(1, token.user);
    q->Bind(2, token.label);
    q->Bind(3, token.token_hash);
    q->Bind(4, token.created);
    q->Bind(5, token.last_used);
    q->Bind(6, token.revoked);
    SLUICE_RETURN_IF_ERROR(q->Run(op));
    if (db_->Changes() == 0) return Status::Conflict(op + ": a token with this hash exists");
    id = db_->LastInsertRowid();
    return Status::Ok();
  }));
  return id;
}

Result<std::vector<ApiTokenRecord>> SqliteStore::ListApiTokens(const std::string& user) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement * select,
      db_->Prepare(std::string(kTokenColumns) + " WHERE ?1 = '' OR user_name = ?1 ORDER BY id"));
  Query q(*select);
  q->Bind(1, user);
  std::vector<ApiTokenRecord> out;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool row, q->Step("list API tokens"));
    if (!row) break;
    out.push_back(ReadToken(*q));
  }
  return out;
}

Result<std::optional<ApiTokenRecord>> SqliteStore::FindApiToken(const std::string& token_hash) {
  SLUICE_ASSIGN_OR_RETURN(Statement * select,
                          db_->Prepare(std::string(kTokenColumns) + " WHERE token_hash = ?1"));
  Query q(*select);
  q->Bind(1, token_hash);
  SLUICE_ASSIGN_OR_RETURN(bool row, q->Step("find an API token"));
  if (!row) return std::optional<ApiTokenRecord>();
  return std::optional<ApiTokenRecord>(ReadToken(*q));
}

Status SqliteStore::RevokeApiToken(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(Statement * update,
                          db_->Prepare("UPDATE api_tokens SET revoked = 1 WHERE id = ?1"));
  Query q(*update);
  q->Bind(1, id);
  SLUICE_RETURN_IF_ERROR(q->Run("revoke API token " + std::to_string(id)));
  if (db_->Changes() == 0) return NoToken(id);
  return Status::Ok();
}

Status SqliteStore::SetApiTokenLastUsed(int64_t id, TimePoint when) {
  SLUICE_ASSIGN_OR_RETURN(Statement * update,
                          db_->Prepare("UPDATE api_tokens SET last_used_us = ?2 WHERE id = ?1"));
  Query q(*update);
  q->Bind(1, id);
  q->Bind(2, when);
  SLUICE_RETURN_IF_ERROR(q->Run("set the last use of API token " + std::to_string(id)));
  if (db_->Changes() == 0) return NoToken(id);
  return Status::Ok();
}

Status SqliteStore::CreateSession(const SessionRecord& session) {
  const std::string op = "create a session for " + UserName(session.user);
  return InTransaction([&]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(std::optional<UserRecord> user, GetUser(session.user));
    if (!user) return NoUser(session.user);
    SLUICE_ASSIGN_OR_RETURN(
        Statement * insert,
        db_->Prepare("INSERT INTO sessions (id_hash, user_name, csrf_token, created_us, "
                     "expires_us) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id_hash) DO NOTHING"));
    Query q(*insert);
    q->Bind(1, session.id_hash);
    q->Bind(2, session.user);
    q->Bind(3, session.csrf_token);
    q->Bind(4, session.created);
    q->Bind(5, session.expires);
    SLUICE_RETURN_IF_ERROR(q->Run(op));
    if (db_->Changes() == 0) return Status::Conflict(op + ": a session with this hash exists");
    return Status::Ok();
  });
}

Result<std::optional<SessionRecord>> SqliteStore::GetSession(const std::string& id_hash) {
  SLUICE_ASSIGN_OR_RETURN(
      Statement * select,
      db_->Prepare("SELECT id_hash, user_name, csrf_token, created_us, expires_us FROM sessions "
                   "WHERE id_hash = ?1"));
  Query q(*select);
  q->Bind(1, id_hash);
  SLUICE_ASSIGN_OR_RETURN(bool row, q->Step("get a session"));
  if (!row) return std::optional<SessionRecord>();
  return std::optional<SessionRecord>(SessionRecord{.id_hash = q->Text(0),
                                                    .user = q->Text(1),
                                                    .csrf_token = q->Text(2),
                                                    .created = q->Time(3),
                                                    .expires = q->Time(4)});
}

Status SqliteStore::DeleteSession(const std::string& id_hash) {
  SLUICE_ASSIGN_OR_RETURN(Statement * del, db_->Prepare("DELETE FROM sessions WHERE id_hash = ?1"));
  Query q(*del);
  q->Bind(1, id_hash);
  return q->Run("delete a session");
}

Result<int> SqliteStore::DeleteExpiredSessions(TimePoint now) {
  SLUICE_ASSIGN_OR_RETURN(Statement * del,
                          db_->Prepare("DELETE FROM sessions WHERE expires_us <= ?1"));
  Query q(*del);
  q->Bind(1, now);
  SLUICE_RETURN_IF_ERROR(q->Run("delete expired sessions"));
  return db_->Changes();
}

}  // namespace sluice
