// The OpenAPI document and the server's route table describe the same API: every route is in
// the document with its method and role, and the document has no path the server lacks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "api/openapi_doc.h"
#include "api/server.h"

namespace sluice::api {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(OpenApiTest, EveryRouteIsDocumentedWithItsRoleAndNothingElseIs) {
  const auto doc = nlohmann::json::parse(OpenApiDocument());
  ASSERT_EQ(doc["openapi"], "3.0.3");
  control::Config config;
  ServerState state(
      config, SystemClock(), [] { return Result<std::unique_ptr<Store>>(nullptr); },
      ServerOptions());
  std::set<std::pair<std::string, std::string>> served;
  for (const Route& r : ApiRoutes(state)) {
    const std::string method = Lower(r.method);
    served.emplace(r.path, method);
    ASSERT_TRUE(doc["paths"].contains(r.path)) << r.path;
    ASSERT_TRUE(doc["paths"][r.path].contains(method)) << r.method << " " << r.path;
    EXPECT_EQ(doc["paths"][r.path][method]["x-sluice-role"], AccessName(r.access))
        << r.method << " " << r.path;
  }
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      EXPECT_TRUE(served.count({path, method}))
          << "documented, not served: " << method << " " << path;
    }
  }
}

TEST(OpenApiTest, EveryReferencedSchemaExists) {
  const auto doc = nlohmann::json::parse(OpenApiDocument());
  std::vector<std::string> missing;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& j) {
    if (j.is_object()) {
      if (j.contains("$ref")) {
        const std::string ref = j["$ref"];
        const std::string prefix = "#/components/";
        const std::string rest = ref.substr(prefix.size());
        const size_t slash = rest.find('/');
        if (!doc["components"][rest.substr(0, slash)].contains(rest.substr(slash + 1))) {
          missing.push_back(ref);
        }
      }
      for (const auto& [k, v] : j.items()) walk(v);
    } else if (j.is_array()) {
      for (const auto& v : j) walk(v);
    }
  };
  walk(doc);
  EXPECT_TRUE(missing.empty()) << missing.front();
}

}  // namespace
}  // namespace sluice::api
