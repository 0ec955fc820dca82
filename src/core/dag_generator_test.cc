// Generated DAGs (`*.dag` programs) and folder loading, with real processes in a temp dir.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include "core/dag_loader.h"
#include "tests/testing/temp_dir.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string Script(const TempDir& dir, const std::string& name, const std::string& body,
                   bool executable = true) {
  std::string path = dir.Write(name, "#!/bin/sh\n" + body);
  chmod(path.c_str(), executable ? 0755 : 0644);
  return path;
}

std::vector<std::string> Errors(const LoadedFile& f) {
  std::vector<std::string> out;
  for (const auto& d : f.errors) out.push_back(d.ToString());
  return out;
}

TEST(DagGeneratorTest, YamlDocumentsOnStdoutRunInTheGeneratorsFolder) {
  TempDir dir;
  dir.Write("name.txt", "from_cwd\n");
  std::string path = Script(dir, "gen.dag",
                            "name=$(cat name.txt)\n"
                            "for i in 1 2; do\n"
                            "  printf -- '---\\ndag: %s_%s\\ntasks: {a: {run: x}}\\n' $name $i\n"
                            "done\n"
                            "echo 'noise on stderr' >&2\n");
  LoadedFile f = LoadGeneratedDags(path, GeneratorOptions());
  ASSERT_TRUE(f.ok()) << Errors(f)[0];
  EXPECT_EQ(f.path, path);
  ASSERT_EQ(f.dags.size(), 2u);
  EXPECT_EQ(f.dags[0].id, "from_cwd_1");
  EXPECT_EQ(f.dags[1].id, "from_cwd_2");
  EXPECT_EQ(f.dags[0].file, path);
  EXPECT_EQ(f.dags[0].hash.size(), 16u);
}

TEST(DagGeneratorTest, JsonListOnStdout) {
  TempDir dir;
  std::string path = Script(dir, "gen.dag",
                            "echo '[{\"dag\": \"j1\", \"tasks\": {\"a\": {\"exec\": [\"ls\"]}}},'\n"
                            "echo ' {\"dag\": \"j2\", \"tasks\": {\"b\": {\"run\": \"x\"}}}]'\n");
  LoadedFile f = LoadGeneratedDags(path, GeneratorOptions());
  ASSERT_TRUE(f.ok()) << Errors(f)[0];
  ASSERT_EQ(f.dags.size(), 2u);
  EXPECT_EQ(f.dags[0].id, "j1");
  EXPECT_EQ(f.dags[0].tasks[0].kind, "exec");
  EXPECT_EQ(f.dags[0].tasks[0].config, Value::FromList({Value("ls")}));
  EXPECT_EQ(f.dags[1].id, "j2");
}

TEST(DagGeneratorTest, NonZeroExitReportsTheLastStderrLine) {
  TempDir dir;
  std::string path = Script(dir, "bad.dag",
                            "echo 'dag: x'\necho 'starting' >&2\necho 'no database' >&2\n"
                            "echo >&2\nexit 3\n");
  EXPECT_THAT(Errors(LoadGeneratedDags(path, GeneratorOptions())),
              ElementsAre(path + ":1:1: error: generator exited with status 3: no database"));
  std::string quiet = Script(dir, "quiet.dag", "exit 4\n");
  EXPECT_THAT(Errors(LoadGeneratedDags(quiet, GeneratorOptions())),
              ElementsAre(quiet + ":1:1: error: generator exited with status 4"));
}

TEST(DagGeneratorTest, TimeLimitKillsTheWholeGroup) {
  TempDir dir;
  // The background child keeps stdout open: only killing the group ends the wait.
  std::string path = Script(dir, "slow.dag", "sleep 30 &\necho 'dag: x'\nsleep 30\n");
  GeneratorOptions options;
  options.time_limit = std::chrono::milliseconds(200);
  auto begin = std::chrono::steady_clock::now();
  LoadedFile f = LoadGeneratedDags(path, options);
  auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_THAT(
      Errors(f),
      ElementsAre(path +
                  ":1:1: error: generator timed out after 200ms (its process group was killed)"));
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(DagGeneratorTest, LeftoverBackgroundProcessesDoNotHoldTheLoad) {
  TempDir dir;
  std::string path =
      Script(dir, "bg.dag", "sleep 30 &\necho 'dag: bg'\necho 'tasks: {a: {run: x}}'\n");
  auto begin = std::chrono::steady_clock::now();
  LoadedFile f = LoadGeneratedDags(path, GeneratorOptions());
  EXPECT_TRUE(f.ok()) << Errors(f)[0];
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
}

TEST(DagGeneratorTest, EmptyOutputAndSpecErrorsInTheOutput) {
  TempDir dir;
  std::string empty = Script(dir, "empty.dag", "echo\n");
  EXPECT_THAT(Errors(LoadGeneratedDags(empty, GeneratorOptions())),
              ElementsAre(empty + ":1:1: error: generator printed no DAG spec"));
  // Locations count lines of the generator's stdout.
  std::string bad =
      Script(dir, "bad.dag", "echo 'dag: b'\necho 'tasks: {a: {run: x, retires: 1}}'\n");
  EXPECT_THAT(Errors(LoadGeneratedDags(bad, GeneratorOptions())),
              ElementsAre(bad + ":2:21: error: unknown key 'retires' (did you mean 'retries'?)"));
}

TEST(DagFolderTest, LoadsYamlYmlAndExecutableDagFilesSorted) {
  TempDir dir;
  dir.Write("b.yml", "dag: b\ntasks: {a: {run: x}}\n");
  dir.Write("a.yaml", "dag: a\ntasks: {a: {run: x}}\n");
  dir.Write("notes.txt", "not a dag");
  dir.Write(".a.yaml.swp", "junk");
  dir.Write("sub/c.yaml", "dag: c\ntasks: {a: {run: x}}\n");
  Script(dir, "g.dag", "echo 'dag: g'\necho 'tasks: {a: {run: x}}'\n");
  std::string plain = Script(dir, "h.dag", "echo 'dag: h'\n", /*executable=*/false);
  std::vector<LoadedFile> files = LoadDagFolder(dir.path(), GeneratorOptions());
  std::vector<std::string> paths;
  for (const auto& f : files) paths.push_back(f.path);
  EXPECT_THAT(paths, ElementsAre(dir.path() + "/a.yaml", dir.path() + "/b.yml",
                                 dir.path() + "/g.dag", dir.path() + "/h.dag"));
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].dags.at(0).id, "a");
  EXPECT_EQ(files[1].dags.at(0).id, "b");
  EXPECT_EQ(files[2].dags.at(0).id, "g");
  EXPECT_THAT(Errors(files[3]), ElementsAre(plain + ":1:1: error: not executable: chmod +x it"));
}

TEST(DagFolderTest, DuplicateIdsAreErrorsOnEveryFileThatDefinesThem) {
  TempDir dir;
  std::string first = dir.Write("1.yaml", "dag: x\ntasks: {a: {run: x}}\n");
  std::string second = dir.Write("2.yaml", "# again\ndag: x\ntasks: {a: {run: y}}\n");
  std::string third = dir.Write("3.yaml",
                                "dag: y\ntasks: {a: {run: x}}\n---\ndag: x\n"
                                "tasks: {a: {run: z}}\n");
  std::vector<LoadedFile> files = LoadDagFolder(dir.path(), GeneratorOptions());
  ASSERT_EQ(files.size(), 3u);
  // No file wins: whichever the CLI or the scheduler read first, none yields `x`.
  EXPECT_THAT(Errors(files[0]),
              ElementsAre(first + ":1:6: error: dag 'x' is also defined in " + second + ":2:6",
                          first + ":1:6: error: dag 'x' is also defined in " + third + ":4:6"));
  EXPECT_THAT(files[0].dags, IsEmpty());
  EXPECT_THAT(Errors(files[1]),
              ElementsAre(second + ":2:6: error: dag 'x' is also defined in " + first + ":1:6",
                          second + ":2:6: error: dag 'x' is also defined in " + third + ":4:6"));
  EXPECT_THAT(files[1].dags, IsEmpty());
  EXPECT_THAT(Errors(files[2]),
              ElementsAre(third + ":4:6: error: dag 'x' is also defined in " + first + ":1:6",
                          third + ":4:6: error: dag 'x' is also defined in " + second + ":2:6"));
  EXPECT_THAT(files[2].dags, IsEmpty());
}

TEST(DagFolderTest, SymlinkLoopIsAnErrorOnItsPathNotAnException) {
  TempDir dir;
  dir.Write("ok.yaml", "dag: ok\ntasks: {a: {run: x}}\n");
  const std::string a = dir.path() + "/a.yaml";
  const std::string b = dir.path() + "/b.yaml";
  ASSERT_EQ(symlink(b.c_str(), a.c_str()), 0);
  ASSERT_EQ(symlink(a.c_str(), b.c_str()), 0);
  std::vector<LoadedFile> files = LoadDagFolder(dir.path(), GeneratorOptions());
  std::vector<std::string> errors;
  for (const auto& f : files) {
    for (const auto& e : Errors(f)) errors.push_back(e);
  }
  EXPECT_THAT(errors, ElementsAre(a + ":1:1: error: Too many levels of symbolic links",
                                  b + ":1:1: error: Too many levels of symbolic links"));
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].dags.at(0).id, "ok");
}

TEST(DagFolderTest, MissingFolderIsReported) {
  std::vector<LoadedFile> files = LoadDagFolder("/nonexistent/dags", GeneratorOptions());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "/nonexistent/dags");
  EXPECT_THAT(Errors(files[0]), ElementsAre("/nonexistent/dags:1:1: error: cannot list the DAG "
                                            "folder: No such file or directory"));
}

}  // namespace
}  // namespace sluice
