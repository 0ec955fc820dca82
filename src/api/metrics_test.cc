// RenderMetrics on a real SQLite store: the exact text a Prometheus server scrapes, with and
// without a scheduler in the process, checked once more by Prometheus' own `promtool check
// metrics`.
#include "api/metrics.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "tests/testing/temp_dir.h"
#include "util/file.h"

extern char** environ;

namespace sluice::api {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr const char* kPromtool = "/usr/bin/promtool";
// A DAG id the DAG format would refuse, written straight into the store: its label value needs
// every escape of the text format.
const std::string kOddDag = "we\"ird\\dag\nx";

TimePoint At(int64_t us) { return TimePoint(seconds(1767000000)) + Duration(us); }

RunRecord RunOf(const std::string& dag, const std::string& run, RunState state) {
  RunRecord r;
  r.dag_id = dag;
  r.run_id = run;
  r.state = state;
  r.logical_date = r.data_interval_start = r.data_interval_end = r.queued_at = At(0);
  return r;
}

TaskInstanceRecord Ti(const std::string& dag, const std::string& run, const std::string& task,
                      TaskState state) {
  return TaskInstanceRecord{.dag_id = dag, .run_id = run, .task_id = task, .state = state};
}

AttemptRecord Attempt(const std::string& run, const std::string& task, AttemptState state,
                      int64_t us) {
  AttemptRecord a{.dag_id = "etl", .run_id = run, .task_id = task, .try_number = 1};
  a.state = state;
  a.start = At(0);
  a.end = At(us);
  return a;
}

DagRecord Dag(const std::string& id, const std::string& file, const std::string& errors_json,
              bool deleted = false) {
  return DagRecord{.dag_id = id, .file = file, .deleted = deleted, .errors_json = errors_json};
}

// What `promtool check metrics` said of `text`: its exit code and everything it printed.
struct PromtoolVerdict {
  int exit_code = -1;
  std::string output;
};

PromtoolVerdict CheckWithPromtool(const TempDir& dir, const std::string& text) {
  PromtoolVerdict verdict;
  const std::string in = dir.Write("metrics.txt", text);
  const std::string out = dir.path() + "/promtool.out";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::string arg0 = "promtool", arg1 = "check", arg2 = "metrics";
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, kPromtool, &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    verdict.output = "posix_spawn(" + std::string(kPromtool) + "): error " + std::to_string(rc);
    return verdict;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) {
    verdict.output = "waitpid failed";
    return verdict;
  }
  verdict.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto printed = ReadFile(out);
  verdict.output = printed.ok() ? *printed : printed.status().message();
  return verdict;
}

// The source tree: SLUICE_SOURCE_DIR, or the one SLUICE_BUILD_DIR was configured from (ctest
// sets the build dir; sluice_test's second variable does not reach the tests' environment).
std::string SourceDir() {
  if (const char* dir = std::getenv("SLUICE_SOURCE_DIR")) return dir;
  const char* build = std::getenv("SLUICE_BUILD_DIR");
  if (build == nullptr) return "";
  auto cache = ReadFile(std::string(build) + "/CMakeCache.txt");
  if (!cache.ok()) return "";
  const std::string key = "CMAKE_HOME_DIRECTORY:INTERNAL=";
  const size_t at = cache->find(key);
  if (at == std::string::npos) return "";
  const size_t begin = at + key.size();
  return cache->substr(begin, cache->find('\n', begin) - begin);
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(dir_.path() + "/sluice.db");
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->Migrate().ok());
  }

  // Two DAGs' runs, task instances and attempts, and DAG files with errors: two DAGs of one
  // broken file (one file with errors), and a deleted DAG's (not counted).
  void WriteHistory() {
    WriteBatch b;
    const std::string error = R"(["/dags/two.yaml:3:5: error: unknown key 'retires'"])";
    b.dags = {Dag("etl", "/dags/etl.yaml", "[]"), Dag("broken_a", "/dags/two.yaml", error),
              Dag("broken_b", "/dags/two.yaml", error),
              Dag("gone", "/dags/gone.yaml", error, /*deleted=*/true)};
    b.runs = {RunOf("etl", "r1", RunState::kSuccess), RunOf("etl", "r2", RunState::kFailed),
              RunOf("etl", "r3", RunState::kRunning), RunOf(kOddDag, "r1", RunState::kQueued)};
    b.task_instances = {Ti("etl", "r1", "extract", TaskState::kSuccess),
                        Ti("etl", "r1", "load", TaskState::kSuccess),
                        Ti("etl", "r2", "extract", TaskState::kFailed),
                        Ti("etl", "r3", "extract", TaskState::kQueued),
                        Ti("etl", "r3", "load", TaskState::kNone)};
    b.attempts = {Attempt("r1", "extract", AttemptState::kSuccess, 300'000),
                  Attempt("r1", "load", AttemptState::kSuccess, 42'000'000),
                  Attempt("r2", "extract", AttemptState::kFailed, 9'000'000'000)};
    Status st = store_->Apply(b);
    ASSERT_TRUE(st.ok()) << st.message();
  }

  std::string Render(const SchedulerStats* stats) {
    auto text = RenderMetrics(*store_, stats);
    EXPECT_TRUE(text.ok()) << text.status().message();
    return text.ok() ? *text : "";
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

constexpr const char* kStoreMetrics = R"(# HELP sluice_runs DAG runs in the store, by DAG and state.
# TYPE sluice_runs gauge
sluice_runs{dag="etl",state="failed"} 1
sluice_runs{dag="etl",state="running"} 1
sluice_runs{dag="etl",state="success"} 1
sluice_runs{dag="we\"ird\\dag\nx",state="queued"} 1
# HELP sluice_task_instances Task instances in the store, by DAG and state (queued: waiting for an executor).
# TYPE sluice_task_instances gauge
sluice_task_instances{dag="etl",state="failed"} 1
sluice_task_instances{dag="etl",state="none"} 1
sluice_task_instances{dag="etl",state="queued"} 1
sluice_task_instances{dag="etl",state="success"} 2
# HELP sluice_attempt_duration_seconds How long ended task attempts ran, by DAG.
# TYPE sluice_attempt_duration_seconds histogram
sluice_attempt_duration_seconds_bucket{dag="etl",le="0.1"} 0
sluice_attempt_duration_seconds_bucket{dag="etl",le="0.5"} 1
sluice_attempt_duration_seconds_bucket{dag="etl",le="1"} 1
sluice_attempt_duration_seconds_bucket{dag="etl",le="5"} 1
sluice_attempt_duration_seconds_bucket{dag="etl",le="10"} 1
sluice_attempt_duration_seconds_bucket{dag="etl",le="30"} 1
sluice_attempt_duration_seconds_bucket{dag="etl",le="60"} 2
sluice_attempt_duration_seconds_bucket{dag="etl",le="120"} 2
sluice_attempt_duration_seconds_bucket{dag="etl",le="300"} 2
sluice_attempt_duration_seconds_bucket{dag="etl",le="600"} 2
sluice_attempt_duration_seconds_bucket{dag="etl",le="1800"} 2
sluice_attempt_duration_seconds_bucket{dag="etl",le="3600"} 2
sluice_attempt_duration_seconds_bucket{dag="etl",le="7200"} 2
sluice_attempt_duration_seconds_bucket{dag="etl",le="21600"} 3
sluice_attempt_duration_seconds_bucket{dag="etl",le="+Inf"} 3
sluice_attempt_duration_seconds_sum{dag="etl"} 9042.3
sluice_attempt_duration_seconds_count{dag="etl"} 3
# HELP sluice_dag_file_errors DAG files whose last load found errors.
# TYPE sluice_dag_file_errors gauge
)";

TEST_F(MetricsTest, WithoutASchedulerTheStoreAloneIsRenderedAndFileErrorsComeFromIt) {
  WriteHistory();
  const std::string text = Render(nullptr);
  EXPECT_EQ(text, std::string(kStoreMetrics) + "sluice_dag_file_errors 1\n");
  EXPECT_THAT(text, Not(HasSubstr("sluice_scheduler_")));
  EXPECT_THAT(text, Not(HasSubstr("sluice_executor_")));
}

TEST_F(MetricsTest, WithASchedulerItsFiguresFollowTheStoresAndItsFileErrorCountIsUsed) {
  WriteHistory();
  SchedulerStats stats;
  const SchedulerFigures figures{.queued_tasks = 4,
                                 .running_attempts = 2,
                                 .parallelism = 8,
                                 .dag_file_errors = 2,
                                 .active_runs = 3,
                                 .commits = 17};
  stats.RecordTurn(Duration(200), figures);
  stats.RecordTurn(Duration(3'000), figures);
  stats.RecordTurn(seconds(12), figures);
  EXPECT_EQ(Render(&stats), std::string(kStoreMetrics) + R"(sluice_dag_file_errors 2
# HELP sluice_scheduler_turn_latency_seconds Scheduler loop turns, from the events that woke a turn to its commit done.
# TYPE sluice_scheduler_turn_latency_seconds histogram
sluice_scheduler_turn_latency_seconds_bucket{le="0.0001"} 0
sluice_scheduler_turn_latency_seconds_bucket{le="0.00025"} 1
sluice_scheduler_turn_latency_seconds_bucket{le="0.0005"} 1
sluice_scheduler_turn_latency_seconds_bucket{le="0.001"} 1
sluice_scheduler_turn_latency_seconds_bucket{le="0.0025"} 1
sluice_scheduler_turn_latency_seconds_bucket{le="0.005"} 2
sluice_scheduler_turn_latency_seconds_bucket{le="0.01"} 2
sluice_scheduler_turn_latency_seconds_bucket{le="0.025"} 2
sluice_scheduler_turn_latency_seconds_bucket{le="0.05"} 2
sluice_scheduler_turn_latency_seconds_bucket{le="0.1"} 2
sluice_scheduler_turn_latency_seconds_bucket{le="0.25"} 2
sluice_scheduler_turn_latency_seconds_bucket{le="0.5"} 2
sluice_scheduler_turn_latency_seconds_bucket{le="1"} 2
sluice_scheduler_turn_latency_seconds_bucket{le="2.5"} 2
sluice_scheduler_turn_latency_seconds_bucket{le="5"} 2
sluice_scheduler_turn_latency_seconds_bucket{le="10"} 2
sluice_scheduler_turn_latency_seconds_bucket{le="+Inf"} 3
sluice_scheduler_turn_latency_seconds_sum 12.0032
sluice_scheduler_turn_latency_seconds_count 3
# HELP sluice_scheduler_turns_total Scheduler loop turns since it started.
# TYPE sluice_scheduler_turns_total counter
sluice_scheduler_turns_total 3
# HELP sluice_scheduler_commits_total Store transactions the scheduler committed since it started.
# TYPE sluice_scheduler_commits_total counter
sluice_scheduler_commits_total 17
# HELP sluice_scheduler_queued_tasks Task instances ready to start and waiting for a free slot.
# TYPE sluice_scheduler_queued_tasks gauge
sluice_scheduler_queued_tasks 4
# HELP sluice_scheduler_active_runs Open (queued or running) DAG runs the scheduler holds.
# TYPE sluice_scheduler_active_runs gauge
sluice_scheduler_active_runs 3
# HELP sluice_executor_slots_used Executor slots in use: attempts running now.
# TYPE sluice_executor_slots_used gauge
sluice_executor_slots_used 2
# HELP sluice_executor_slots_capacity Executor slots in all (parallelism).
# TYPE sluice_executor_slots_capacity gauge
sluice_executor_slots_capacity 8
)");
}

TEST_F(MetricsTest, AnEmptyStoreRendersEveryFamilyWithoutSamples) {
  EXPECT_EQ(Render(nullptr), R"(# HELP sluice_runs DAG runs in the store, by DAG and state.
# TYPE sluice_runs gauge
# HELP sluice_task_instances Task instances in the store, by DAG and state (queued: waiting for an executor).
# TYPE sluice_task_instances gauge
# HELP sluice_attempt_duration_seconds How long ended task attempts ran, by DAG.
# TYPE sluice_attempt_duration_seconds histogram
# HELP sluice_dag_file_errors DAG files whose last load found errors.
# TYPE sluice_dag_file_errors gauge
sluice_dag_file_errors 0
)");
}

// Prometheus' own parser and linter: any line it prints is a failure.
TEST_F(MetricsTest, PromtoolFindsNothingToReport) {
  ASSERT_TRUE(PathExists(kPromtool))
      << kPromtool << " is missing: install the Debian package prometheus (./dev does)";
  WriteHistory();
  SchedulerStats stats;
  stats.RecordTurn(Duration(700), SchedulerFigures{.parallelism = 4});
  for (const SchedulerStats* s : std::vector<const SchedulerStats*>{nullptr, &stats}) {
    const std::string text = Render(s);
    ASSERT_FALSE(text.empty());
    const PromtoolVerdict verdict = CheckWithPromtool(dir_, text);
    EXPECT_EQ(verdict.exit_code, 0) << verdict.output;
    EXPECT_EQ(verdict.output, "") << "with" << (s ? "" : "out") << " a scheduler";
  }
  // An empty store too.
  auto empty = OpenSqliteStore(dir_.path() + "/empty.db");
  ASSERT_TRUE(empty.ok());
  ASSERT_TRUE((*empty)->Migrate().ok());
  auto text = RenderMetrics(**empty, nullptr);
  ASSERT_TRUE(text.ok());
  const PromtoolVerdict verdict = CheckWithPromtool(dir_, *text);
  EXPECT_EQ(verdict.exit_code, 0) << verdict.output;
  EXPECT_EQ(verdict.output, "");
}

TEST_F(MetricsTest, AStoreErrorIsReturnedWithItsContextAndNothingIsRendered) {
  auto unmigrated = OpenSqliteStore(dir_.path() + "/new.db");
  ASSERT_TRUE(unmigrated.ok());
  auto text = RenderMetrics(**unmigrated, nullptr);
  ASSERT_FALSE(text.ok());
  // The store's message (SQLite's, naming its statement), after the context.
  EXPECT_THAT(text.status().message(), StartsWith("metrics: "));
  EXPECT_THAT(text.status().message(), HasSubstr("no such table: runs"));
}

// examples/grafana/sluice-dashboard.json: it parses, picks its Prometheus through a datasource
// variable, and every query names only metrics RenderMetrics emits; every family emitted is
// charted by some panel.
TEST_F(MetricsTest, TheGrafanaDashboardQueriesOnlyWhatIsRenderedAndChartsEveryFamily) {
  const std::string source_dir = SourceDir();
  ASSERT_NE(source_dir, "") << "neither SLUICE_SOURCE_DIR nor SLUICE_BUILD_DIR/CMakeCache.txt";
  const std::string path = source_dir + "/examples/grafana/sluice-dashboard.json";
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok()) << text.status().message();
  const auto dashboard = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(dashboard.is_discarded()) << path << " is not JSON";
  EXPECT_GE(dashboard.value("schemaVersion", 0), 36);
  bool datasource_variable = false;
  for (const auto& v : dashboard["templating"]["list"]) {
    if (v.value("type", "") == "datasource" && v.value("query", "") == "prometheus") {
      datasource_variable = v.value("name", "") == "datasource";
    }
  }
  EXPECT_TRUE(datasource_variable) << "a variable `datasource` of type datasource (prometheus)";

  // What is rendered: every sample name, and every family (its TYPE line).
  WriteHistory();
  SchedulerStats stats;
  stats.RecordTurn(Duration(700), SchedulerFigures{.parallelism = 4});
  std::set<std::string> samples;
  std::set<std::string> families;
  std::istringstream rendered(Render(&stats));
  for (std::string line; std::getline(rendered, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      families.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (!line.empty() && line[0] != '#') {
      samples.insert(line.substr(0, line.find_first_of("{ ")));
    }
  }

  const std::regex metric_name("sluice_[a-z_]+");
  std::set<std::string> charted;
  int queries = 0;
  for (const auto& panel : dashboard["panels"]) {
    if (panel.value("type", "") == "row") continue;
    const std::string title = panel.value("title", "");
    EXPECT_EQ(panel["datasource"].value("uid", ""), "${datasource}") << title;
    ASSERT_TRUE(panel.contains("targets")) << title;
    for (const auto& target : panel["targets"]) {
      const std::string expr = target.value("expr", "");
      ++queries;
      for (auto it = std::sregex_iterator(expr.begin(), expr.end(), metric_name);
           it != std::sregex_iterator(); ++it) {
        const std::string name = it->str();
        EXPECT_EQ(samples.count(name), 1u) << title << ": " << name << " is not rendered";
        for (const std::string& family : families) {
          if (name == family || name.rfind(family + "_", 0) == 0) charted.insert(family);
        }
      }
    }
  }
  EXPECT_GE(queries, 10);
  EXPECT_EQ(charted, families);
}

TEST(EscapeLabelValueTest, BackslashQuoteAndNewlineAreEscapedAndNothingElse) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd\te é"), "a\\\\b\\\"c\\nd\te é");
}

}  // namespace
}  // namespace sluice::api
