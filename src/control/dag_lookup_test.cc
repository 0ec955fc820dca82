#include "control/dag_lookup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/control_fixture.h"
#include "control/dag_list.h"
#include "control/params.h"
#include "scheduler/run_builder.h"
#include "util/file.h"

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
  auto dag = FindDag(ctx(), "etl");
  ASSERT_TRUE(dag.ok()) << dag.status().message();
  EXPECT_EQ(dag->id, "etl");
  EXPECT_EQ(dag->file, path);
  dag = FindDag(ctx(), path);
  ASSERT_TRUE(dag.ok()) << dag.status().message();
  EXPECT_EQ(dag->id, "etl");
}

TEST_F(DagLookupTest, SaysWhatIsMissingOrBroken) {
  WriteDag("etl.yaml", kEtl);
  auto dag = FindDag(ctx(), "elt");
  EXPECT_EQ(dag.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(dag.status().message(), "no dag 'elt'; did you mean 'etl'?");
  EXPECT_EQ(FindDag(ctx(), "zzz").status().message(), "no dag 'zzz' in " + config_.dags_folder);
  EXPECT_EQ(FindDag(ctx(), dir_.path() + "/nope.yaml").status().message(),
            "no such file: " + dir_.path() + "/nope.yaml");
  const std::string broken = WriteDag("broken.yaml", "dag: broken\ntasks:\n  a: {rnu: x}\n");
  dag = FindDag(ctx(), broken);
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
  auto dag = FindDag(ctx(), "etl");
  ASSERT_TRUE(dag.ok());
  auto json = ParamsJson(*dag, {"root=/x", "day=2026-01-01"});
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, R"({"day":"2026-01-01","root":"/x"})");
  EXPECT_EQ(ParamsJson(*dag, {"rot=/x"}).status().message(),
            "dag 'etl' has no param 'rot' (did you mean 'root'?); declared: day, root");
  EXPECT_EQ(ParamsJson(*dag, {"=x"}).status().message(), "--param expects NAME=VALUE, got '=x'");
}

// What a scheduler writes when it loads `text` as `file`: the DAG's row (with its file's
// errors) and its version.
void LoadAsScheduler(Store& store, const std::string& file, const std::string& text,
                     const std::vector<std::string>& errors = {}) {
  LoadedFile loaded = LoadDagText(file, text);
  ASSERT_TRUE(loaded.ok());
  WriteBatch batch;
  for (const auto& dag : loaded.dags) {
    DagRecord rec;
    rec.dag_id = dag.id;
    rec.file = file;
    rec.hash = dag.hash;
    rec.errors_json = nlohmann::json(errors).dump();
    batch.dags.push_back(rec);
    AddDagVersionIfNew(store, dag, kNow, &batch);
  }
  ASSERT_TRUE(store.Apply(batch).ok());
}

TEST_F(DagLookupTest, AnIdIsReadFromTheStoreWithoutRunningAnyGenerator) {
  const std::string path = WriteDag("etl.yaml", kEtl);
  LoadAsScheduler(*store_, path, kEtl);
  // A slow generator beside it: looking up `etl` must not run it.
  const std::string gen =
      WriteDag("slow.dag", "#!/bin/sh\ntouch ran\necho 'dag: made'\necho 'tasks: {a: {run: x}}'\n");
  chmod(gen.c_str(), 0755);
  auto dag = FindDag(ctx(), "etl");
  ASSERT_TRUE(dag.ok()) << dag.status().message();
  EXPECT_EQ(dag->file, path);
  EXPECT_FALSE(PathExists(config_.dags_folder + "/ran"));
  auto run = Trigger(ctx(), "etl", {});
  ASSERT_TRUE(run.ok()) << run.status().message();
  EXPECT_FALSE(PathExists(config_.dags_folder + "/ran"));
  // An id no scheduler has loaded yet is looked for in the folder (a fresh home).
  dag = FindDag(ctx(), "made");
  ASSERT_TRUE(dag.ok()) << dag.status().message();
  EXPECT_TRUE(PathExists(config_.dags_folder + "/ran"));
}

TEST_F(DagLookupTest, ABrokenFilesDagKeepsItsLastGoodVersionForEveryCommand) {
  const std::string path = WriteDag("etl.yaml", kEtl);
  LoadAsScheduler(*store_, path, kEtl,
                  {path + ":4:7: error: unknown key 'rnu' (did you mean 'run'?)"});
  WriteDag("etl.yaml", "dag: etl\ntasks:\n  a: {rnu: x}\n");
  auto dag = FindDag(ctx(), "etl");
  ASSERT_TRUE(dag.ok()) << dag.status().message();
  ASSERT_EQ(dag->tasks.size(), 1u);
  EXPECT_EQ(dag->tasks[0].id, "a");
  auto run = Trigger(ctx(), "etl", {});
  ASSERT_TRUE(run.ok()) << run.status().message();
  auto rows = ListDags(ctx());
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].dag, "etl");
  EXPECT_EQ((*rows)[0].file, path);
  EXPECT_EQ((*rows)[0].errors, std::vector<std::string>{
                                   path + ":4:7: error: unknown key 'rnu' (did you mean 'run'?)"});
}

TEST_F(DagLookupTest, AnIdInTwoFilesIsAnErrorOnBothNotAPick) {
  const std::string a = WriteDag("a.yaml", "dag: x\ntasks: {t: {run: a}}\n");
  const std::string b = WriteDag("b.yaml", "dag: x\ntasks: {t: {run: b}}\n");
  auto dag = FindDag(ctx(), "x");
  EXPECT_EQ(dag.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dag.status().message(), a + ":1:6: error: dag 'x' is also defined in " + b + ":1:6");
  auto rows = ListDags(ctx());
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].dag, std::nullopt);
  EXPECT_EQ((*rows)[0].errors,
            std::vector<std::string>{a + ":1:6: error: dag 'x' is also defined in " + b});
  EXPECT_EQ((*rows)[1].errors,
            std::vector<std::string>{b + ":1:6: error: dag 'x' is also defined in " + a});
}

TEST_F(DagLookupTest, ASymlinkLoopIsAnErrorOnItsPath) {
  const std::string a = config_.dags_folder + "/a.yaml";
  const std::string b = config_.dags_folder + "/b.yaml";
  WriteDag("ok.yaml", kEtl);
  ASSERT_EQ(symlink(b.c_str(), a.c_str()), 0);
  ASSERT_EQ(symlink(a.c_str(), b.c_str()), 0);
  auto files = LoadDagPaths({a});
  ASSERT_EQ(files.size(), 1u);
  ASSERT_EQ(files[0].errors.size(), 1u);
  EXPECT_EQ(files[0].errors[0].ToString(), a + ":1:1: error: Too many levels of symbolic links");
  auto rows = ListDags(ctx());
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].errors,
            std::vector<std::string>{a + ":1:1: error: Too many levels of symbolic links"});
}

}  // namespace
}  // namespace sluice::control
