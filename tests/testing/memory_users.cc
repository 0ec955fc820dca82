// MemoryStore's users, API tokens and sessions: the SQLite store's semantics and messages
// (src/store/sqlite/sqlite_users.cc) over plain maps. Each call checks before it writes, so a
// failed call changes nothing.
#include <algorithm>
#include <iterator>

#include "tests/testing/memory_store.h"
#include "tests/testing/memory_tables.h"

namespace sluice {
namespace {

std::string UserName(const std::string& name) { return "user '" + name + "'"; }
Status NoUser(const std::string& name) { return Status::NotFound("no " + UserName(name)); }
Status NoToken(int64_t id) { return Status::NotFound("no API token " + std::to_string(id)); }

}  // namespace

Status MemoryStore::CreateUser(const UserRecord& user) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("create " + UserName(user.name)));
  if (!db.tables->users().emplace(user.name, user).second) {
    return Status::Conflict(UserName(user.name) + " exists");
  }
  return Status::Ok();
}

Result<std::optional<UserRecord>> MemoryStore::GetUser(const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("get " + UserName(name)));
  auto it = db.tables->users().find(name);
  if (it == db.tables->users().end()) return std::optional<UserRecord>();
  return std::optional<UserRecord>(it->second);
}

Result<std::vector<UserRecord>> MemoryStore::ListUsers() {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list users"));
  std::vector<UserRecord> out;
  for (const auto& [name, user] : db.tables->users()) out.push_back(user);
  return out;
}

Status MemoryStore::DeleteUser(const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("delete " + UserName(name)));
  if (db.tables->users().erase(name) == 0) return NoUser(name);
  std::erase_if(db.tables->api_tokens(), [&](const auto& t) { return t.second.user == name; });
  std::erase_if(db.tables->sessions(), [&](const auto& s) { return s.second.user == name; });
  return Status::Ok();
}

Status MemoryStore::SetUserPassword(const std::string& name, const std::string& password_hash) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("set the password of " + UserName(name)));
  auto it = db.tables->users().find(name);
  if (it == db.tables->users().end()) return NoUser(name);
  it->second.password_hash = password_hash;
  std::erase_if(db.tables->sessions(), [&](const auto& s) { return s.second.user == name; });
  return Status::Ok();
}

Status MemoryStore::SetUserRole(const std::string& name, const std::string& role) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("set the role of " + UserName(name)));
  auto it = db.tables->users().find(name);
  if (it == db.tables->users().end()) return NoUser(name);
  it->second.role = role;
  return Status::Ok();
}

Status MemoryStore::SetUserLastLogin(const std::string& name, TimePoint when) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("set the last login of " + UserName(name)));
  auto it = db.tables->users().find(name);
  if (it == db.tables->users().end()) return NoUser(name);
  it->second.last_login = when;
  return Status::Ok();
}

Result<int64_t> MemoryStore::CreateApiToken(const ApiTokenRecord& token) {
  const std::string op = "create an API token for " + UserName(token.user);
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock(op));
  if (db.tables->users().count(token.user) == 0) return NoUser(token.user);
  for (const auto& [id, t] : db.tables->api_tokens()) {
    if (t.token_hash == token.token_hash) {
      return Status::Conflict(op + ": a token with this hash exists");
    }
  }
  ApiTokenRecord row = token;
  row.id = db.tables->NextApiTokenId();
  db.tables->api_tokens()[row.id] = row;
  return row.id;
}

Result<std::vector<ApiTokenRecord>> MemoryStore::ListApiTokens(const std::string& user) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("list API tokens"));
  std::vector<ApiTokenRecord> out;
  for (const auto& [id, t] : db.tables->api_tokens()) {
    if (user.empty() || t.user == user) out.push_back(t);
  }
  return out;
}

Result<std::optional<ApiTokenRecord>> MemoryStore::FindApiToken(const std::string& token_hash) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("find an API token"));
  for (const auto& [id, t] : db.tables->api_tokens()) {
    if (t.token_hash == token_hash) return std::optional<ApiTokenRecord>(t);
  }
  return std::optional<ApiTokenRecord>();
}

Status MemoryStore::RevokeApiToken(int64_t id) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("revoke API token " + std::to_string(id)));
  auto it = db.tables->api_tokens().find(id);
  if (it == db.tables->api_tokens().end()) return NoToken(id);
  it->second.revoked = true;
  return Status::Ok();
}

Status MemoryStore::SetApiTokenLastUsed(int64_t id, TimePoint when) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("set the last use of API token " + std::to_string(id)));
  auto it = db.tables->api_tokens().find(id);
  if (it == db.tables->api_tokens().end()) return NoToken(id);
  it->second.last_used = when;
  return Status::Ok();
}

Status MemoryStore::CreateSession(const SessionRecord& session) {
  const std::string op = "create a session for " + UserName(session.user);
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock(op));
  if (db.tables->users().count(session.user) == 0) return NoUser(session.user);
  if (!db.tables->sessions().emplace(session.id_hash, session).second) {
    return Status::Conflict(op + ": a session with this hash exists");
  }
  return Status::Ok();
}

Result<std::optional<SessionRecord>> MemoryStore::GetSession(const std::string& id_hash) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("get a session"));
  auto it = db.tables->sessions().find(id_hash);
  if (it == db.tables->sessions().end()) return std::optional<SessionRecord>();
  return std::optional<SessionRecord>(it->second);
}

Status MemoryStore::DeleteSession(const std::string& id_hash) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("delete a session"));
  db.tables->sessions().erase(id_hash);
  return Status::Ok();
}

Result<int> MemoryStore::DeleteExpiredSessions(TimePoint now) {
  SLUICE_ASSIGN_OR_RETURN(Locked db, Lock("delete expired sessions"));
  return static_cast<int>(
      std::erase_if(db.tables->sessions(), [&](const auto& s) { return s.second.expires <= now; }));
}

}  // namespace sluice
