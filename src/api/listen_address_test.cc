#include "api/listen_address.h"

#include <gtest/gtest.h>

namespace sluice::api {
namespace {

TEST(ListenAddressTest, ReadsHostAndPort) {
  auto a = ParseListenAddress("127.0.0.1:8080");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  auto any = ParseListenAddress("0.0.0.0:0");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->port, 0);
  auto v6 = ParseListenAddress("[::1]:9000");
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  EXPECT_EQ(ParseListenAddress("localhost:80")->host, "localhost");
}

TEST(ListenAddressTest, RefusesWhatIsNotHostColonPort) {
  EXPECT_EQ(ParseListenAddress("8080").status().message(),
            "invalid --listen '8080' (use HOST:PORT, e.g. 127.0.0.1:8080)");
  EXPECT_EQ(ParseListenAddress(":8080").status().message(),
            "invalid --listen ':8080' (use HOST:PORT, e.g. 127.0.0.1:8080)");
  EXPECT_EQ(ParseListenAddress("127.0.0.1:").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseListenAddress("127.0.0.1:65536").status().message(),
            "invalid --listen '127.0.0.1:65536': port must be a number from 0 to 65535");
  EXPECT_EQ(ParseListenAddress("127.0.0.1:80x").status().message(),
            "invalid --listen '127.0.0.1:80x': port must be a number from 0 to 65535");
  EXPECT_EQ(ParseListenAddress("::1:80").status().message(),
            "invalid --listen '::1:80' (use HOST:PORT, e.g. 127.0.0.1:8080); put an IPv6 "
            "address in brackets: [::1]:8080");
  EXPECT_FALSE(ParseListenAddress("a b:80").ok());
  EXPECT_FALSE(ParseListenAddress("[]:80").ok());
}

}  // namespace
}  // namespace sluice::api
