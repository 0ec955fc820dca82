// Conformance suite, part 7: users, API tokens and sessions (the rules on names, roles and
// passwords are control's, src/control/users.h; the store keeps rows and their links). A user's
// tokens and sessions go with it; a new password ends its sessions.
#include <gmock/gmock.h>

#include "store/store_suite.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

UserRecord User(const std::string& name, const std::string& role = "viewer") {
  return UserRecord{.name = name,
                    .role = role,
                    .password_hash = "$argon2id$v=19$m=65536,t=2,p=1$salt$hash-of-" + name,
                    .created = Jan2(1),
                    .last_login = std::nullopt};
}

ApiTokenRecord Token(const std::string& user, const std::string& hash) {
  return ApiTokenRecord{.id = 0,
                        .user = user,
                        .label = "ci of " + user,
                        .token_hash = hash,
                        .created = Jan2(2),
                        .last_used = std::nullopt,
                        .revoked = false};
}

SessionRecord Session(const std::string& user, const std::string& hash, TimePoint expires) {
  return SessionRecord{.id_hash = hash,
                       .user = user,
                       .csrf_token = "csrf-" + hash,
                       .created = Jan2(3),
                       .expires = expires};
}

std::vector<std::string> Names(const std::vector<UserRecord>& users) {
  std::vector<std::string> out;
  for (const auto& u : users) out.push_back(u.name);
  return out;
}

TEST_P(StoreSuite, UsersRoundTripByName) {
  UserRecord bob = User("bob", "operator");
  bob.last_login = Jan2(9);
  ASSERT_TRUE(IsOk(store_->CreateUser(User("carol"))));
  ASSERT_TRUE(IsOk(store_->CreateUser(bob)));
  ASSERT_TRUE(IsOk(store_->CreateUser(User("alice", "admin"))));
  EXPECT_THAT(Names(Must(store_->ListUsers())), ElementsAre("alice", "bob", "carol"));
  EXPECT_EQ(Must(store_->GetUser("bob")), std::optional<UserRecord>(bob));
  EXPECT_EQ(Must(store_->GetUser("nobody")), std::nullopt);
  // Another connection sees them.
  std::unique_ptr<Store> other = OpenUnmigrated();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(Must(other->ListUsers()).size(), 3u);
}

TEST_P(StoreSuite, ADuplicateUserIsAConflictAndChangesNothing) {
  ASSERT_TRUE(IsOk(store_->CreateUser(User("bob", "operator"))));
  Status st = store_->CreateUser(User("bob", "admin"));
  EXPECT_EQ(st.code(), StatusCode::kConflict);
  EXPECT_EQ(st.message(), "user 'bob' exists");
  EXPECT_EQ(Must(store_->GetUser("bob"))->role, "operator");
}

TEST_P(StoreSuite, UserSettersChangeOneFieldOrSayNoUser) {
  ASSERT_TRUE(IsOk(store_->CreateUser(User("bob"))));
  ASSERT_TRUE(IsOk(store_->SetUserRole("bob", "admin")));
  ASSERT_TRUE(IsOk(store_->SetUserLastLogin("bob", Jan2(7))));
  ASSERT_TRUE(IsOk(store_->SetUserPassword("bob", "new-hash")));
  UserRecord want = User("bob", "admin");
  want.last_login = Jan2(7);
  want.password_hash = "new-hash";
  EXPECT_EQ(Must(store_->GetUser("bob")), std::optional<UserRecord>(want));

  for (const Status& st :
       {store_->SetUserRole("eve", "admin"), store_->SetUserLastLogin("eve", Jan2()),
        store_->SetUserPassword("eve", "h"), store_->DeleteUser("eve")}) {
    EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.message();
    EXPECT_EQ(st.message(), "no user 'eve'");
  }
  EXPECT_THAT(Names(Must(store_->ListUsers())), ElementsAre("bob"));
}

TEST_P(StoreSuite, ApiTokensRoundTripWithIncreasingIds) {
  ASSERT_TRUE(IsOk(store_->CreateUser(User("bob"))));
  ASSERT_TRUE(IsOk(store_->CreateUser(User("alice"))));
  const int64_t first = Must(store_->CreateApiToken(Token("bob", "h1")));
  const int64_t second = Must(store_->CreateApiToken(Token("alice", "h2")));
  EXPECT_GT(second, first);
  ApiTokenRecord want = Token("bob", "h1");
  want.id = first;
  EXPECT_EQ(Must(store_->FindApiToken("h1")), std::optional<ApiTokenRecord>(want));
  EXPECT_EQ(Must(store_->FindApiToken("nope")), std::nullopt);
  EXPECT_THAT(Must(store_->ListApiTokens("")),
              ElementsAre(want, Must(store_->FindApiToken("h2")).value_or(ApiTokenRecord{})));
  EXPECT_THAT(Must(store_->ListApiTokens("bob")), ElementsAre(want));
  EXPECT_THAT(Must(store_->ListApiTokens("carol")), IsEmpty());

  ASSERT_TRUE(IsOk(store_->SetApiTokenLastUsed(first, Jan2(5))));
  ASSERT_TRUE(IsOk(store_->RevokeApiToken(first)));
  ASSERT_TRUE(IsOk(store_->RevokeApiToken(first)));  // again: no change, no error
  want.last_used = Jan2(5);
  want.revoked = true;
  EXPECT_EQ(Must(store_->FindApiToken("h1")), std::optional<ApiTokenRecord>(want));
}

TEST_P(StoreSuite, ApiTokenErrors) {
  ASSERT_TRUE(IsOk(store_->CreateUser(User("bob"))));
  Result<int64_t> no_user = store_->CreateApiToken(Token("eve", "h1"));
  EXPECT_EQ(no_user.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(no_user.status().message(), "no user 'eve'");
  ASSERT_TRUE(IsOk(store_->CreateApiToken(Token("bob", "h1"))));
  EXPECT_EQ(store_->CreateApiToken(Token("bob", "h1")).status().code(), StatusCode::kConflict);
  EXPECT_EQ(Must(store_->ListApiTokens("")).size(), 1u);
  Status st = store_->RevokeApiToken(99);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "no API token 99");
  EXPECT_EQ(store_->SetApiTokenLastUsed(99, Jan2()).message(), "no API token 99");
}

TEST_P(StoreSuite, SessionsRoundTripAndExpire) {
  ASSERT_TRUE(IsOk(store_->CreateUser(User("bob"))));
  const SessionRecord early = Session("bob", "s1", Jan2(kHourUs));
  const SessionRecord late = Session("bob", "s2", Jan2(2 * kHourUs));
  ASSERT_TRUE(IsOk(store_->CreateSession(early)));
  ASSERT_TRUE(IsOk(store_->CreateSession(late)));
  EXPECT_EQ(Must(store_->GetSession("s1")), std::optional<SessionRecord>(early));
  EXPECT_EQ(Must(store_->GetSession("nope")), std::nullopt);
  EXPECT_EQ(store_->CreateSession(early).code(), StatusCode::kConflict);
  Status st = store_->CreateSession(Session("eve", "s3", Jan2(kHourUs)));
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "no user 'eve'");

  // Expired at `now` exactly: gone.
  EXPECT_EQ(Must(store_->DeleteExpiredSessions(Jan2(kHourUs))), 1);
  EXPECT_EQ(Must(store_->GetSession("s1")), std::nullopt);
  EXPECT_EQ(Must(store_->GetSession("s2")), std::optional<SessionRecord>(late));
  ASSERT_TRUE(IsOk(store_->DeleteSession("s2")));
  ASSERT_TRUE(IsOk(store_->DeleteSession("s2")));  // none: no error
  EXPECT_EQ(Must(store_->GetSession("s2")), std::nullopt);
}

TEST_P(StoreSuite, ANewPasswordEndsTheUsersSessionsOnly) {
  ASSERT_TRUE(IsOk(store_->CreateUser(User("bob"))));
  ASSERT_TRUE(IsOk(store_->CreateUser(User("alice"))));
  ASSERT_TRUE(IsOk(store_->CreateSession(Session("bob", "s1", Jan2(kHourUs)))));
  ASSERT_TRUE(IsOk(store_->CreateSession(Session("alice", "s2", Jan2(kHourUs)))));
  ASSERT_TRUE(IsOk(store_->CreateApiToken(Token("bob", "h1"))));
  ASSERT_TRUE(IsOk(store_->SetUserPassword("bob", "new")));
  EXPECT_EQ(Must(store_->GetSession("s1")), std::nullopt);
  EXPECT_NE(Must(store_->GetSession("s2")), std::nullopt);
  EXPECT_NE(Must(store_->FindApiToken("h1")), std::nullopt);  // tokens are not sessions
}

TEST_P(StoreSuite, DeletingAUserDeletesItsTokensAndSessions) {
  ASSERT_TRUE(IsOk(store_->CreateUser(User("bob"))));
  ASSERT_TRUE(IsOk(store_->CreateUser(User("alice"))));
  const int64_t bobs = Must(store_->CreateApiToken(Token("bob", "h1")));
  ASSERT_TRUE(IsOk(store_->RevokeApiToken(bobs)));
  ASSERT_TRUE(IsOk(store_->CreateApiToken(Token("bob", "h2"))));
  const int64_t alices = Must(store_->CreateApiToken(Token("alice", "h3")));
  ASSERT_TRUE(IsOk(store_->CreateSession(Session("bob", "s1", Jan2(kHourUs)))));
  ASSERT_TRUE(IsOk(store_->CreateSession(Session("alice", "s2", Jan2(kHourUs)))));

  ASSERT_TRUE(IsOk(store_->DeleteUser("bob")));
  EXPECT_THAT(Names(Must(store_->ListUsers())), ElementsAre("alice"));
  std::vector<ApiTokenRecord> left = Must(store_->ListApiTokens(""));
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, alices);
  EXPECT_EQ(Must(store_->FindApiToken("h1")), std::nullopt);
  EXPECT_EQ(Must(store_->GetSession("s1")), std::nullopt);
  EXPECT_NE(Must(store_->GetSession("s2")), std::nullopt);

  // A user made again under the name gets none of the old ones, and no id is used again, even
  // once every token is gone.
  ASSERT_TRUE(IsOk(store_->DeleteUser("alice")));
  ASSERT_TRUE(IsOk(store_->CreateUser(User("bob"))));
  EXPECT_THAT(Must(store_->ListApiTokens("bob")), IsEmpty());
  EXPECT_GT(Must(store_->CreateApiToken(Token("bob", "h4"))), alices);
}

}  // namespace
}  // namespace sluice
