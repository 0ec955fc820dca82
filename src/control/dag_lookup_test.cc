#include "control/dag_lookup.h"

#include <gtest/gtest.h>

#include "control/control_fixture.h"
#include "control/params.h"

namespace sluice::control {
namespace {

constexpr char kEtl[] = R"(dag: etl
params: {root: /data, day: today}
tasks:
  a: {run: "true"}
)";

using DagLookupTest = ControlTest;

TEST_F(DagLookupTest, FindsADagByIdInTheFolderOrByItsFile) {
  const std::string path = WriteDag("etl.yaml", kEtl);
  auto dag = FindDag(config_, "etl");
  ASSERT_TRUE(dag.ok()) << dag.status().message();
  EXPECT_EQ(dag->id, "etl");
  EXPECT_EQ(dag->file, path);
  dag = FindDag(config_, path);
  ASSERT_TRUE(dag.ok()) << dag.status().message();
  EXPECT_EQ(dag->id, "etl");
}

TEST_F(DagLookupTest, SaysWhatIsMissingOrBroken) {
  WriteDag("etl.yaml", kEtl);
  auto dag = FindDag(config_, "elt");
  EXPECT_EQ(dag.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(dag.status().message(), "no dag 'elt' in " + config_.dags_folder);
  EXPECT_EQ(FindDag(config_, dir_.path() + "/nope.yaml").status().message(),
            "no such file: " + dir_.path() + "/nope.yaml");
  const std::string broken = WriteDag("broken.yaml", "dag: broken\ntasks:\n  a: {rnu: x}\n");
  dag = FindDag(config_, broken);
  EXPECT_EQ(dag.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(dag.status().message().find(broken + ":3:"), std::string::npos)
      << dag.status().message();
}

TEST_F(DagLookupTest, LoadsPathsReportingMissingOnes) {
  const std::string path = WriteDag("etl.yaml", kEtl);
  auto files = LoadDagPaths({config_.dags_folder, dir_.path() + "/missing.yaml"});
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, path);
  EXPECT_TRUE(files[0].ok());
  ASSERT_EQ(files[1].errors.size(), 1u);
  EXPECT_EQ(files[1].errors[0].ToString(),
            dir_.path() + "/missing.yaml:1:1: error: no such file or directory");
}

TEST_F(DagLookupTest, ParamsAreCheckedAgainstTheDeclaredOnes) {
  WriteDag("etl.yaml", kEtl);
  auto dag = FindDag(config_, "etl");
  ASSERT_TRUE(dag.ok());
  auto json = ParamsJson(*dag, {"root=/x", "day=2026-01-01"});
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, R"({"day":"2026-01-01","root":"/x"})");
  EXPECT_EQ(ParamsJson(*dag, {"rot=/x"}).status().message(),
            "dag 'etl' has no param 'rot' (did you mean 'root'?); declared: day, root");
  EXPECT_EQ(ParamsJson(*dag, {"=x"}).status().message(), "--param expects NAME=VALUE, got '=x'");
}

}  // namespace
}  // namespace sluice::control
