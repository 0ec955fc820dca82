#include "api/api_error.h"

#include <gtest/gtest.h>

namespace sluice::api {
namespace {

TEST(ApiErrorTest, EachStatusHasItsHttpStatusAndStableCode) {
  EXPECT_EQ(ErrorFor(Status::Invalid("x")).http_status, 400);
  EXPECT_EQ(ErrorFor(Status::Unauthenticated("x")).http_status, 401);
  EXPECT_EQ(ErrorFor(Status::Denied("x")).http_status, 403);
  EXPECT_EQ(ErrorFor(Status::NotFound("x")).http_status, 404);
  EXPECT_EQ(ErrorFor(Status::Precondition("x")).code, "failed_precondition");
  EXPECT_EQ(ErrorFor(Status::TooMany("x")).http_status, 429);
  EXPECT_EQ(ErrorFor(Status::NoSpace("x")).http_status, 507);
  EXPECT_EQ(ErrorFor(Status::Internal("x")).http_status, 500);
}

TEST(ApiErrorTest, BodyIsJsonWithCodeAndMessage) {
  EXPECT_EQ(ErrorBody(ErrorFor(Status::NotFound("no dag 'x'"))),
            R"({"error":{"code":"not_found","message":"no dag 'x'"}})");
}

TEST(ApiErrorTest, InvalidUtf8InAMessageIsReplacedNotThrown) {
  const std::string body = ErrorBody(ErrorFor(Status::NotFound("no file \xff")));
  EXPECT_NE(body.find("no file \xEF\xBF\xBD"), std::string::npos) << body;
}

}  // namespace
}  // namespace sluice::api
