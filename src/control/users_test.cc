// Users, tokens and sessions on a real SQLite store with a fake clock: the exact messages, what
// each credential proves, and that nothing a user presents is stored in clear.
#include "control/users.h"

#include <gmock/gmock.h>
#include <sqlite3.h>

#include "control/control_fixture.h"
#include "control/password.h"

namespace sluice::control {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr Duration kHour = std::chrono::hours(1);

// Every row of `table`, each as its columns' text joined by '|'.
std::vector<std::string> Rows(const std::string& db_path, const std::string& table) {
  sqlite3* db = nullptr;
  std::vector<std::string> rows;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = "SELECT * FROM " + table;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      row += (i ? "|" : "") + std::string(text ? reinterpret_cast<const char*>(text) : "NULL");
    }
    rows.push_back(row);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

std::vector<std::string> Names(const std::vector<User>& users) {
  std::vector<std::string> out;
  for (const auto& u : users) out.push_back(u.name + ":" + RoleName(u.role));
  return out;
}

class UsersTest : public ControlTest {};

TEST_F(UsersTest, RolesHaveNamesAndAnUnknownOneIsExplained) {
  EXPECT_EQ(ParseRole("operator"), Role::kOperator);
  EXPECT_EQ(ParseRole("root"), std::nullopt);
  EXPECT_STREQ(RoleName(Role::kAdmin), "admin");
  Result<Role> bad = RoleFromName("root");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "unknown role 'root': use viewer, operator or admin");
}

TEST_F(UsersTest, CreateAndListByName) {
  ASSERT_TRUE(CreateUser(ctx(), "zoe", Role::kViewer, "correct horse").ok());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(CreateUser(ctx(), "al.ice@x-y_z", Role::kAdmin, "12345678").ok());
  auto users = ListUsers(ctx());
  ASSERT_TRUE(users.ok());
  EXPECT_THAT(Names(*users), ElementsAre("al.ice@x-y_z:admin", "zoe:viewer"));
  EXPECT_EQ((*users)[0].created, kNow + std::chrono::seconds(1));
  EXPECT_EQ((*users)[1].last_login, std::nullopt);
}

TEST_F(UsersTest, BadInputIsRefusedWithTheRuleAndChangesNothing) {
  auto message = [&](const std::string& name, const std::string& password) {
    Status st = CreateUser(ctx(), name, Role::kViewer, password);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    return st.message();
  };
  EXPECT_EQ(message("bob", "short"), "password too short: at least 8 characters");
  EXPECT_EQ(message("bob", std::string(1025, 'x')), "password too long: at most 1024 bytes");
  EXPECT_EQ(message("bo b", "12345678"),
            "invalid user name 'bo b': use 1 to 64 of A-Z a-z 0-9 _ . @ -");
  EXPECT_EQ(message("", "12345678"), "empty user name: use 1 to 64 of A-Z a-z 0-9 _ . @ -");
  EXPECT_EQ(message(std::string(65, 'a'), "12345678"),
            "user name too long: use 1 to 64 of A-Z a-z 0-9 _ . @ -");
  EXPECT_TRUE(CreateUser(ctx(), std::string(64, 'a'), Role::kViewer, std::string(1024, 'x')).ok());
  EXPECT_THAT(Names(*ListUsers(ctx())), ElementsAre(std::string(64, 'a') + ":viewer"));
}

TEST_F(UsersTest, ADuplicateIsAConflictAndUnknownUsersAreNotFound) {
  ASSERT_TRUE(CreateUser(ctx(), "bob", Role::kViewer, "12345678").ok());
  Status dup = CreateUser(ctx(), "bob", Role::kAdmin, "12345678");
  EXPECT_EQ(dup.code(), StatusCode::kConflict);
  EXPECT_EQ(dup.message(), "user 'bob' exists");
  for (const Status& st :
       {DeleteUser(ctx(), "eve"), ResetPassword(ctx(), "eve", "12345678"),
        SetRole(ctx(), "eve", Role::kAdmin), CreateToken(ctx(), "eve", "").status(),
        ListTokens(ctx(), "eve").status(), CreateSession(ctx(), "eve", kHour).status()}) {
    EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.message();
    EXPECT_EQ(st.message(), "no user 'eve'");
  }
  EXPECT_THAT(Names(*ListUsers(ctx())), ElementsAre("bob:viewer"));
}

TEST_F(UsersTest, CheckPasswordAcceptsTheRightOneAndSetsLastLogin) {
  ASSERT_TRUE(CreateUser(ctx(), "bob", Role::kOperator, "correct horse").ok());
  clock_.Advance(std::chrono::minutes(5));
  auto user = CheckPassword(ctx(), "bob", "correct horse");
  ASSERT_TRUE(user.ok()) << user.status().message();
  EXPECT_EQ(user->name, "bob");
  EXPECT_EQ(user->role, Role::kOperator);
  EXPECT_EQ(user->last_login, kNow + std::chrono::minutes(5));
  EXPECT_EQ((*ListUsers(ctx()))[0].last_login, kNow + std::chrono::minutes(5));
}

TEST_F(UsersTest, AWrongPasswordAndAnUnknownUserGetTheSameAnswer) {
  ASSERT_TRUE(CreateUser(ctx(), "bob", Role::kViewer, "correct horse").ok());
  for (const auto& [name, password] : std::vector<std::pair<std::string, std::string>>{
           {"bob", "wrong horse"}, {"eve", "correct horse"}}) {
    auto user = CheckPassword(ctx(), name, password);
    EXPECT_EQ(user.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(user.status().message(), "wrong user name or password");
  }
  EXPECT_EQ((*ListUsers(ctx()))[0].last_login, std::nullopt);
}

TEST_F(UsersTest, ResetPasswordAndSetRole) {
  ASSERT_TRUE(CreateUser(ctx(), "bob", Role::kViewer, "old password").ok());
  auto session = CreateSession(ctx(), "bob", kHour);
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(ResetPassword(ctx(), "bob", "short").message(),
            "password too short: at least 8 characters");
  EXPECT_TRUE(CheckPassword(ctx(), "bob", "old password").ok());
  ASSERT_TRUE(ResetPassword(ctx(), "bob", "new password").ok());
  EXPECT_FALSE(CheckPassword(ctx(), "bob", "old password").ok());
  EXPECT_TRUE(CheckPassword(ctx(), "bob", "new password").ok());
  // The old password's session is over.
  EXPECT_EQ(CheckSession(ctx(), session->id).status().message(), "not logged in");
  ASSERT_TRUE(SetRole(ctx(), "bob", Role::kAdmin).ok());
  EXPECT_THAT(Names(*ListUsers(ctx())), ElementsAre("bob:admin"));
}

TEST_F(UsersTest, TokensProveTheirUserUntilRevoked) {
  ASSERT_TRUE(CreateUser(ctx(), "bob", Role::kOperator, "12345678").ok());
  auto token = CreateToken(ctx(), "bob", "ci");
  ASSERT_TRUE(token.ok()) << token.status().message();
  EXPECT_THAT(token->token, MatchesRegex("slu_[A-Za-z0-9_-]{43}"));
  auto user = CheckToken(ctx(), token->token);
  ASSERT_TRUE(user.ok()) << user.status().message();
  EXPECT_EQ(user->name, "bob");
  EXPECT_EQ(user->role, Role::kOperator);

  auto tokens = ListTokens(ctx(), "");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].id, token->id);
  EXPECT_EQ((*tokens)[0].label, "ci");
  EXPECT_EQ((*tokens)[0].user, "bob");
  EXPECT_EQ((*tokens)[0].last_used, kNow);

  for (const std::string& bad : {token->token + "x", std::string("Bearer"), std::string()}) {
    auto st = CheckToken(ctx(), bad).status();
    EXPECT_EQ(st.code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(st.message(), "invalid or revoked API token");
  }
  ASSERT_TRUE(RevokeToken(ctx(), token->id).ok());
  EXPECT_EQ(CheckToken(ctx(), token->token).status().message(), "invalid or revoked API token");
  EXPECT_THAT(*ListTokens(ctx(), "bob"), IsEmpty());
  EXPECT_EQ(RevokeToken(ctx(), 999).message(), "no API token 999");
  EXPECT_EQ(CreateToken(ctx(), "bob", std::string(201, 'l')).status().message(),
            "token label too long: at most 200 bytes");
}

TEST_F(UsersTest, LastUsedIsWrittenAtMostOnceAMinute) {
  ASSERT_TRUE(CreateUser(ctx(), "bob", Role::kViewer, "12345678").ok());
  auto token = CreateToken(ctx(), "bob", "");
  ASSERT_TRUE(token.ok());
  auto last_used = [&] { return (*ListTokens(ctx(), "bob"))[0].last_used; };
  EXPECT_EQ(last_used(), std::nullopt);
  ASSERT_TRUE(CheckToken(ctx(), token->token).ok());
  EXPECT_EQ(last_used(), kNow);
  clock_.Advance(std::chrono::seconds(59));
  ASSERT_TRUE(CheckToken(ctx(), token->token).ok());
  EXPECT_EQ(last_used(), kNow);
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(CheckToken(ctx(), token->token).ok());
  EXPECT_EQ(last_used(), kNow + std::chrono::minutes(1));
}

TEST_F(UsersTest, SessionsLastTheirTtlAndEnd) {
  ASSERT_TRUE(CreateUser(ctx(), "bob", Role::kViewer, "12345678").ok());
  auto session = CreateSession(ctx(), "bob", std::chrono::hours(12));
  ASSERT_TRUE(session.ok()) << session.status().message();
  EXPECT_EQ(session->expires, kNow + std::chrono::hours(12));
  EXPECT_THAT(session->id, MatchesRegex("[A-Za-z0-9_-]{43}"));
  EXPECT_NE(session->csrf_token, session->id);

  clock_.Advance(std::chrono::hours(12) - std::chrono::microseconds(1));
  auto info = CheckSession(ctx(), session->id);
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->user.name, "bob");
  EXPECT_EQ(info->csrf_token, session->csrf_token);
  EXPECT_EQ(info->expires, session->expires);

  clock_.Advance(std::chrono::microseconds(1));
  auto expired = CheckSession(ctx(), session->id);
  EXPECT_EQ(expired.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(expired.status().message(), "session expired; log in again");
  EXPECT_EQ(CheckSession(ctx(), session->id).status().message(), "not logged in");
  EXPECT_EQ(CheckSession(ctx(), "nonsense").status().message(), "not logged in");

  auto other = CreateSession(ctx(), "bob", kHour);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(EndSession(ctx(), other->id).ok());
  EXPECT_EQ(CheckSession(ctx(), other->id).status().message(), "not logged in");
  EXPECT_TRUE(EndSession(ctx(), other->id).ok());
  EXPECT_EQ(CreateSession(ctx(), "bob", Duration::zero()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(UsersTest, DeletingAUserEndsItsTokensAndSessions) {
  ASSERT_TRUE(CreateUser(ctx(), "bob", Role::kViewer, "12345678").ok());
  ASSERT_TRUE(CreateUser(ctx(), "alice", Role::kViewer, "12345678").ok());
  auto token = CreateToken(ctx(), "bob", "");
  auto session = CreateSession(ctx(), "bob", kHour);
  auto alices = CreateToken(ctx(), "alice", "");
  ASSERT_TRUE(token.ok() && session.ok() && alices.ok());
  ASSERT_TRUE(DeleteUser(ctx(), "bob").ok());
  EXPECT_THAT(Names(*ListUsers(ctx())), ElementsAre("alice:viewer"));
  EXPECT_EQ(CheckToken(ctx(), token->token).status().message(), "invalid or revoked API token");
  EXPECT_EQ(CheckSession(ctx(), session->id).status().message(), "not logged in");
  EXPECT_TRUE(CheckToken(ctx(), alices->token).ok());
  EXPECT_EQ(ListTokens(ctx(), "")->size(), 1u);
  EXPECT_THAT(Rows(config_.db_path, "sessions"), IsEmpty());
}

TEST_F(UsersTest, NothingSecretIsStoredInClear) {
  const std::string password = "correct horse battery";
  ASSERT_TRUE(CreateUser(ctx(), "bob", Role::kViewer, password).ok());
  auto token = CreateToken(ctx(), "bob", "ci");
  auto session = CreateSession(ctx(), "bob", kHour);
  ASSERT_TRUE(token.ok() && session.ok());

  std::vector<std::string> users = Rows(config_.db_path, "users");
  ASSERT_EQ(users.size(), 1u);
  EXPECT_THAT(users[0], HasSubstr("|$argon2id$v=19$m=65536,t=2,p=1$"));
  EXPECT_THAT(users[0], Not(HasSubstr(password)));
  std::vector<std::string> tokens = Rows(config_.db_path, "api_tokens");
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_THAT(tokens[0], HasSubstr("|" + HashToken(token->token) + "|"));
  EXPECT_THAT(tokens[0], Not(HasSubstr(token->token.substr(4))));
  std::vector<std::string> sessions = Rows(config_.db_path, "sessions");
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_THAT(sessions[0], HasSubstr(HashToken(session->id) + "|"));
  EXPECT_THAT(sessions[0], Not(HasSubstr(session->id)));
}

TEST_F(UsersTest, TheFirstAdminIsMadeOnceWithARandomPassword) {
  auto password = EnsureFirstAdmin(ctx());
  ASSERT_TRUE(password.ok()) << password.status().message();
  ASSERT_TRUE(password->has_value());
  EXPECT_THAT(**password, MatchesRegex("[A-Za-z0-9]{20}"));
  auto admin = CheckPassword(ctx(), "admin", **password);
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->role, Role::kAdmin);
  auto again = EnsureFirstAdmin(ctx());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, std::nullopt);
}

TEST_F(UsersTest, AnyUserMeansNoFirstAdmin) {
  ASSERT_TRUE(CreateUser(ctx(), "bob", Role::kViewer, "12345678").ok());
  auto password = EnsureFirstAdmin(ctx());
  ASSERT_TRUE(password.ok());
  EXPECT_EQ(*password, std::nullopt);
  EXPECT_THAT(Names(*ListUsers(ctx())), ElementsAre("bob:viewer"));
}

}  // namespace
}  // namespace sluice::control
