// DAG generators run beside the scheduler's loop: a hung one delays neither tasks nor other
// files, and is killed at its limit. Real generator processes; simulated time for the scheduler.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "scheduler/scheduler_fixture.h"
#include "util/log.h"

namespace sluice::testing {
namespace {

using std::chrono::seconds;

std::string Script(const TempDir& dir, const std::string& name, const std::string& body) {
  std::string path = dir.Write(name, "#!/bin/sh\n" + body);
  chmod(path.c_str(), 0755);
  return path;
}

class GeneratorSourceTest : public SchedulerTest {
 protected:
  void StartFolderScheduler(bool paused_on_create = false) {
    scheduler_.reset();
    GeneratorOptions gen;
    gen.time_limit = seconds(30);
    folder_ = CreateFolderDagSource(dags_.path(), gen, std::chrono::minutes(1), *loop_);
    DriverOptions options;
    options.planner.parallelism = 2;
    options.planner.logs_dir = dir_.path() + "/logs";
    options.planner.dags_paused_on_create = paused_on_create;
    options.dag_poll_interval = seconds(1);
    options.command_poll_interval = std::chrono::hours(1);
    scheduler_ = std::make_unique<Driver>(options, *store_, executor_, *loop_, *folder_);
    Status st = scheduler_->Start();
    ASSERT_TRUE(st.ok()) << st.message();
  }

  void TearDown() override { scheduler_.reset(); }

  TempDir dags_;
  std::unique_ptr<DagSource> folder_;
};

TEST_F(GeneratorSourceTest, HungGeneratorDelaysNoTaskAndIsKilledAtItsLimit) {
  const std::string hang = Script(dags_, "hang.dag", "sleep 1000\n");
  dags_.Write("etl.yaml", "dag: etl\ntasks:\n  work: {run: x}\n");
  const auto real_start = std::chrono::steady_clock::now();
  StartFolderScheduler();
  auto run_id = scheduler_->TriggerRun("etl", "{}");
  ASSERT_TRUE(run_id.ok()) << run_id.status().message();
  RunUntil(T("2025-01-06T12:00:10Z"));
  // The task was dispatched at once and ended while the generator still runs.
  EXPECT_EQ(Launches(), (std::vector<std::string>{"work@2025-01-06T12:00:00Z"}));
  EXPECT_EQ(RunStateName(OnlyRun("etl").state), std::string("success"));
  EXPECT_EQ(scheduler_->file_errors().count(hang), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - real_start, seconds(10));

  RunUntil(T("2025-01-06T12:01:00Z"));
  ASSERT_EQ(scheduler_->file_errors().count(hang), 1u);
  EXPECT_EQ(
      scheduler_->file_errors().at(hang),
      (std::vector<std::string>{
          hang + ":1:1: error: generator timed out after 30s (its process group was killed)"}));
}

TEST_F(GeneratorSourceTest, LogsEachFileLoadedChangedBrokenAndRemoved) {
  std::vector<std::string> lines;
  SetLogWriterForTesting([&](std::string_view line) {
    // Without the time and level: "INFO  dags: ..." -> "dags: ..."
    auto at = line.find("dags: ");
    if (at != std::string_view::npos) {
      lines.emplace_back(line.substr(at, line.size() - at - 1));
    }
  });
  const std::string path = dags_.Write("a.yaml", "dag: a\ntasks:\n  t: {run: x}\n");
  StartFolderScheduler();
  dags_.Write("a.yaml", "dag: a\ntasks:\n  t: {rnu: x}\n\n");
  RunUntil(T("2025-01-06T12:00:02Z"));
  dags_.Write("a.yaml", "dag: a\ntasks:\n  t: {run: y}\n\n\n");
  RunUntil(T("2025-01-06T12:00:04Z"));
  std::filesystem::remove(path);
  RunUntil(T("2025-01-06T12:00:06Z"));
  SetLogWriterForTesting(nullptr);
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "dags: " + path + " loaded: a",
                "dags: " + path +
                    " is broken (2 error(s); its DAGs keep their last good version): " + path +
                    ":3:3: error: task 't' has no command (add 'run', 'exec' or 'sensor')",
                "dags: " + path + " changed: a",
                "dags: " + path + " removed",
            }));
}

TEST_F(GeneratorSourceTest, MissingFolderIsLoggedAndWatched) {
  std::vector<std::string> lines;
  SetLogWriterForTesting([&](std::string_view line) {
    auto at = line.find("dags: ");
    if (at != std::string_view::npos) {
      lines.emplace_back(line.substr(at, line.size() - at - 1));
    }
  });
  std::filesystem::remove_all(dags_.path());
  StartFolderScheduler();
  const std::string path = dags_.Write("a.yaml", "dag: a\ntasks:\n  t: {run: x}\n");
  RunUntil(T("2025-01-06T12:00:02Z"));
  SetLogWriterForTesting(nullptr);
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "dags: the DAGs folder " + dags_.path() +
                           " does not exist; watching for it to appear",
                       "dags: the DAGs folder " + dags_.path() + " is there now",
                       "dags: " + path + " loaded: a",
                   }));
}

TEST_F(GeneratorSourceTest, NewDagsStartPausedWhenConfigured) {
  const std::string hourly = "\nschedule: '@hourly'\nstart: 2025-01-01\ntasks:\n  t: {run: x}\n";
  dags_.Write("old.yaml", "dag: old" + hourly);
  StartFolderScheduler();
  dags_.Write("new.yaml", "dag: new" + hourly);
  StartFolderScheduler(/*paused_on_create=*/true);
  RunUntil(T("2025-01-06T14:30:00Z"));
  EXPECT_FALSE((*store_->GetDag("old"))->paused);
  EXPECT_TRUE((*store_->GetDag("new"))->paused);
  EXPECT_EQ(RunIds("new"), std::vector<std::string>{});
  EXPECT_EQ(RunIds("old").size(), 3u);
}

TEST_F(SchedulerTest, AnIdInTwoFilesIsAnErrorOnBothAndKeepsItsLastGoodVersion) {
  source_.Set("/dags/a.yaml", "dag: x\ntasks:\n  t: {run: a}\n");
  StartScheduler();
  const std::string v1 = (*store_->GetDag("x"))->hash;
  source_.Set("/dags/b.yaml", "# the same id\ndag: x\ntasks:\n  t: {run: b}\n");
  RunUntil(T("2025-01-06T13:00:01Z"));  // the next poll
  const std::vector<std::string> a_errors = {
      "/dags/a.yaml:1:6: error: dag 'x' is also defined in /dags/b.yaml:2:6"};
  const std::vector<std::string> b_errors = {
      "/dags/b.yaml:2:6: error: dag 'x' is also defined in /dags/a.yaml:1:6"};
  EXPECT_EQ(scheduler_->file_errors().at("/dags/a.yaml"), a_errors);
  EXPECT_EQ(scheduler_->file_errors().at("/dags/b.yaml"), b_errors);
  DagRecord rec = **store_->GetDag("x");
  EXPECT_EQ(rec.hash, v1);
  EXPECT_EQ(rec.file, "/dags/a.yaml");
  EXPECT_EQ(rec.errors_json, nlohmann::json({a_errors[0], b_errors[0]}).dump());
  // Manual runs use the last good version; a restart sees both files at once and keeps it.
  ASSERT_TRUE(scheduler_->TriggerRun("x", "{}").ok());
  RunUntil(T("2025-01-06T13:00:05Z"));
  EXPECT_EQ(executor_.launched().back().argv, (std::vector<std::string>{"/bin/sh", "-c", "a"}));
  source_.Rewind();
  StartScheduler();
  EXPECT_EQ((*store_->GetDag("x"))->hash, v1);
  EXPECT_EQ(scheduler_->file_errors().at("/dags/a.yaml"), a_errors);
  auto again = scheduler_->TriggerRun("x", "{}");
  ASSERT_TRUE(again.ok()) << again.status().message();
  RunUntil(T("2025-01-06T13:00:09Z"));
  EXPECT_EQ(executor_.launched().back().argv, (std::vector<std::string>{"/bin/sh", "-c", "a"}));
  EXPECT_EQ(executor_.launched().size(), 2u);
  // One definition again: the remaining file's version, without errors.
  source_.Remove("/dags/a.yaml");
  RunUntil(T("2025-01-06T15:00:10Z"));
  rec = **store_->GetDag("x");
  EXPECT_EQ(rec.file, "/dags/b.yaml");
  EXPECT_NE(rec.hash, v1);
  EXPECT_EQ(rec.errors_json, "[]");
  EXPECT_EQ(scheduler_->file_errors().at("/dags/b.yaml"), std::vector<std::string>{});
}

TEST(FolderDagSourceTest, GeneratorOutputArrivesThroughTheLoop) {
  TempDir dags;
  const std::string gen =
      Script(dags, "gen.dag", "sleep 0.2\nprintf 'dag: made\\ntasks: {a: {run: x}}\\n'\n");
  const std::string yaml = dags.Write("plain.yaml", "dag: plain\ntasks:\n  a: {run: x}\n");
  auto loop = std::move(EventLoop::Create(SystemClock())).value();
  auto source =
      CreateFolderDagSource(dags.path(), GeneratorOptions(), std::chrono::minutes(1), *loop);
  // The YAML file at once; the generator's DAGs only once it has ended.
  std::vector<DagFileChange> first = source->Poll();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].path, yaml);
  std::vector<DagFileChange> later;
  const auto deadline = std::chrono::steady_clock::now() + seconds(20);
  while (later.empty() && std::chrono::steady_clock::now() < deadline) {
    loop->RunOnce(std::chrono::milliseconds(100));
    later = source->TakeFinished();
  }
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].path, gen);
  ASSERT_TRUE(later[0].loaded.ok()) << later[0].loaded.errors[0].ToString();
  ASSERT_EQ(later[0].loaded.dags.size(), 1u);
  EXPECT_EQ(later[0].loaded.dags[0].id, "made");
  // Nothing changed: the next poll runs nothing again (within the refresh interval).
  EXPECT_TRUE(source->Poll().empty());
}

TEST(FolderDagSourceTest, MissingFolderIsWatchedUntilItAppears) {
  TempDir root;
  auto loop = std::move(EventLoop::Create(SystemClock())).value();
  const std::string folder = root.path() + "/dags";
  auto source = CreateFolderDagSource(folder, GeneratorOptions(), std::chrono::minutes(1), *loop);
  EXPECT_TRUE(source->Poll().empty());
  const std::string yaml = root.Write("dags/a.yaml", "dag: a\ntasks:\n  t: {run: x}\n");
  std::vector<DagFileChange> changes = source->Poll();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].path, yaml);
}

}  // namespace
}  // namespace sluice::testing
