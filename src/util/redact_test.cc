// What a person sees of a URL that holds a secret.

#include "util/redact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice {
namespace {

using ::testing::UnorderedElementsAre;

TEST(RedactTest, HidesThePasswordOfTheUserinfo) {
  EXPECT_EQ(RedactUrl("postgresql://etl:s3cret@127.0.0.1:5432/wh"),
            "postgresql://etl:***@127.0.0.1:5432/wh");
  // An unescaped '@' in the password: the last '@' of the authority ends the userinfo.
  EXPECT_EQ(RedactUrl("postgresql://etl:a@b@host/db"), "postgresql://etl:***@host/db");
  EXPECT_EQ(RedactUrl("http://user:pw@example.test"), "http://user:***@example.test");
}

TEST(RedactTest, KeepsWhatIsNoSecret) {
  EXPECT_EQ(RedactUrl("postgresql://etl@127.0.0.1:5432/wh"), "postgresql://etl@127.0.0.1:5432/wh");
  EXPECT_EQ(RedactUrl("sqlite:///data/local.db"), "sqlite:///data/local.db");
  EXPECT_EQ(RedactUrl("http://127.0.0.1:8080/ready?d=2025-01-02"),
            "http://127.0.0.1:8080/ready?d=2025-01-02");
  EXPECT_EQ(RedactUrl("not a url: a:b@c"), "not a url: a:b@c");
  // An '@' in the path is not a userinfo.
  EXPECT_EQ(RedactUrl("http://host/a:b@c"), "http://host/a:b@c");
}

TEST(RedactTest, HidesSecretQueryValues) {
  EXPECT_EQ(RedactUrl("http://h/x?d=1&access_token=abc&API_KEY=k#frag"),
            "http://h/x?d=1&access_token=***&API_KEY=***#frag");
  EXPECT_EQ(RedactUrl("postgresql://h/db?user=etl&password=pw&sslmode=disable"),
            "postgresql://h/db?user=etl&password=***&sslmode=disable");
  EXPECT_EQ(RedactUrl("https://h/?sig="), "https://h/?sig=");
}

TEST(RedactTest, SecretsAreRawAndDecoded) {
  EXPECT_THAT(UrlSecrets("postgresql://etl:p%40ss@h/db?token=t1"),
              UnorderedElementsAre("p%40ss", "p@ss", "t1"));
  EXPECT_TRUE(UrlSecrets("sqlite:///x.db").empty());
}

TEST(RedactTest, ScrubsEveryOccurrenceLongestFirst) {
  EXPECT_EQ(ScrubSecrets("bad password 'pw' and pwpw", {"pw", "pwpw"}),
            "bad password '***' and ***");
  EXPECT_EQ(ScrubSecrets("nothing", {""}), "nothing");
}

TEST(RedactTest, ScrubUrlRedactsTheUrlThenItsSecretsAndMore) {
  const std::string url = "postgresql://etl:p%40w@h/db";
  EXPECT_EQ(ScrubUrl("bad URI \"" + url + "\", password p@w, tok", url, {"tok"}),
            "bad URI \"postgresql://etl:***@h/db\", password ***, ***");
  EXPECT_EQ(ScrubUrl("at http://h/x and http://h/x", "http://h/x"), "at http://h/x and http://h/x");
}

TEST(RedactTest, PercentDecodeKeepsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("a%20b%zz%4"), "a b%zz%4");
}

}  // namespace
}  // namespace sluice
