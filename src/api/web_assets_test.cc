#include "api/web_assets.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sluice::api {
namespace {

// web/dist of the source tree this binary was built from (src/api/CMakeLists.txt names it).
std::filesystem::path Dist() { return SLUICE_WEB_DIST; }

std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(WebAssetsTest, BuiltExactlyWhenWebDistExists) {
  EXPECT_EQ(WebAssetsBuilt(), std::filesystem::exists(Dist() / "index.html"));
}

TEST(WebAssetsTest, EveryFileOfWebDistIsEmbeddedByteForByte) {
  if (!WebAssetsBuilt()) GTEST_SKIP() << "no web/dist: run npm run build in web/";
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(Dist())) {
    if (!entry.is_regular_file()) continue;
    const std::string url = "/" + entry.path().lexically_relative(Dist()).generic_string();
    const WebAsset* asset = FindWebAsset(url);
    ASSERT_NE(asset, nullptr) << url;
    EXPECT_EQ(asset->path, url);
    EXPECT_EQ(asset->body, ReadBytes(entry.path())) << url;
    ++files;
  }
  EXPECT_GE(files, 3);  // index.html, a script and a stylesheet at least
}

TEST(WebAssetsTest, IndexIsHtmlThatLoadsTheBundle) {
  if (!WebAssetsBuilt()) GTEST_SKIP() << "no web/dist: run npm run build in web/";
  const WebAsset* index = FindWebAsset("/index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("<div id=\"app\"></div>"), std::string_view::npos);
  EXPECT_NE(index->body.find("<script type=\"module\" src=\"/assets/main-"),
            std::string_view::npos);
}

TEST(WebAssetsTest, ContentTypeFollowsTheExtension) {
  if (!WebAssetsBuilt()) GTEST_SKIP() << "no web/dist: run npm run build in web/";
  for (const auto& entry : std::filesystem::directory_iterator(Dist() / "assets")) {
    const std::string url = "/assets/" + entry.path().filename().string();
    const WebAsset* asset = FindWebAsset(url);
    ASSERT_NE(asset, nullptr) << url;
    if (entry.path().extension() == ".js") {
      EXPECT_EQ(asset->content_type, "text/javascript; charset=utf-8");
    } else if (entry.path().extension() == ".css") {
      EXPECT_EQ(asset->content_type, "text/css; charset=utf-8");
    }
  }
}

TEST(WebAssetsTest, UnknownAndNearPathsFindNothing) {
  EXPECT_EQ(FindWebAsset("/no-such-file.js"), nullptr);
  EXPECT_EQ(FindWebAsset("/"), nullptr);
  EXPECT_EQ(FindWebAsset("index.html"), nullptr);  // a URL path starts with '/'
  EXPECT_EQ(FindWebAsset("/index.html/"), nullptr);
  EXPECT_EQ(FindWebAsset(""), nullptr);
}

}  // namespace
}  // namespace sluice::api
