#include "api/compression.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <zlib.h>

namespace sluice::api {
namespace {

std::string Gunzip(const std::string& packed) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  zs.avail_in = static_cast<uInt>(packed.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

bool Accepts(const std::string& header) {
  httplib::Request req;
  if (!header.empty()) req.set_header("Accept-Encoding", header);
  return AcceptsGzip(req);
}

TEST(CompressionTest, AcceptEncodingIsReadAsHttpSaysNotBySubstring) {
  EXPECT_TRUE(Accepts("gzip, deflate, br"));
  EXPECT_TRUE(Accepts("br;q=1.0, gzip;q=0.8"));
  EXPECT_TRUE(Accepts("*"));
  EXPECT_FALSE(Accepts(""));
  EXPECT_FALSE(Accepts("br"));
  EXPECT_FALSE(Accepts("gzip;q=0"));
  EXPECT_FALSE(Accepts("gzip; q=0.000, br"));
  EXPECT_FALSE(Accepts("x-gzip-not"));
}

TEST(CompressionTest, ABodyOver1KiBIsGzippedWhenTakenAndSentWithItsLength) {
  const std::string body(5000, 'x');
  httplib::Request req;
  req.set_header("Accept-Encoding", "gzip, deflate, br");
  httplib::Response res;
  SetBody(req, res, body, "application/json");
  EXPECT_EQ(res.get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(res.get_header_value("Vary"), "Accept-Encoding");
  EXPECT_EQ(res.get_header_value("Content-Type"), "application/json");
  ASSERT_GT(res.content_length_, 0u);
  EXPECT_LT(res.content_length_, body.size());
  std::string sent;
  httplib::DataSink sink;
  sink.write = [&sent](const char* d, size_t n) {
    sent.append(d, n);
    return true;
  };
  ASSERT_TRUE(res.content_provider_(0, res.content_length_, sink));
  EXPECT_EQ(Gunzip(sent), body);

  httplib::Response small;
  SetBody(req, small, "{}", "application/json");
  EXPECT_FALSE(small.has_header("Content-Encoding"));
  httplib::Response plain;
  SetBody(httplib::Request(), plain, body, "application/json");
  EXPECT_FALSE(plain.has_header("Content-Encoding"));
  EXPECT_EQ(plain.content_length_, body.size());
}

TEST(CompressionTest, AStaticBodyIsCompressedOnceAndTheSameBytesServedAfter) {
  static const std::string kFile(4000, 'y');
  httplib::Request req;
  req.set_header("Accept-Encoding", "gzip");
  httplib::Response a, b;
  SetStaticBody(req, a, kFile, "text/html; charset=utf-8");
  SetStaticBody(req, b, kFile, "text/html; charset=utf-8");
  EXPECT_EQ(a.get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(a.content_length_, b.content_length_);
  EXPECT_EQ(Gunzip(Gzip(kFile, 9)), kFile);
}

}  // namespace
}  // namespace sluice::api
