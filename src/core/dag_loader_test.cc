// Valid DAG files: every key read to the value it means.

#include "core/dag_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"
#include "time/time_format.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

TimePoint T(const char* iso) { return *ParseTimePoint(iso, TimeZone::Utc()); }

constexpr const char* kFullSpec = R"(dag: nightly_prices
description: Ingest vendor prices after the US close
owner: data-eng
tags: [finance, ingest]
schedule: "30 18 * * 1-5"
timezone: America/New_York
start: 2025-01-02
end: 2026-12-31T17:00
catchup: true
max_active_runs: 1
max_active_tasks: 4
params: {root: /data/vendors, days: 3, list: [1, b], map: {k: v}, empty: ""}
defaults:
  retries: 3
  retry_delay: 2m
  retry_backoff: exponential
  max_retry_delay: 1h
  timeout: 1h
  env: {FROM: defaults}
on_failure: [ops]
on_retry: [ops, chat]
on_success: []
on_sla_miss: [pager]
sla: 2h
tasks:
  fetch_bbg:
    run: ./bin/fetch --vendor bbg --date {{ ds }}
    pool: vendors
  fetch_rfn:
    exec: [./bin/fetch, --vendor, rfn, --date, "{{ ds }}"]
    retries: 0
  reconcile:
    needs: [fetch_bbg, fetch_rfn]
    run: ./bin/reconcile {{ ds }}
    env: {PGHOST: localhost}
    cwd: /srv/pipeline
    priority: -2
    skip_exit_code: 42
    depends_on_past: true
    timeout: 90
    on_failure: [dba]
  report:
    needs: reconcile
    trigger: all_done
    run: ./bin/report {{ ds }}
    retry_backoff: fixed
)";

TEST(DagLoaderTest, FullSpecReadsEveryKey) {
  LoadedFile f = LoadDagText("/dags/prices.yaml", kFullSpec);
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  EXPECT_EQ(f.path, "/dags/prices.yaml");
  ASSERT_EQ(f.dags.size(), 1u);
  const DagSpec& d = f.dags[0];
  EXPECT_EQ(d.id, "nightly_prices");
  EXPECT_EQ(d.description, "Ingest vendor prices after the US close");
  EXPECT_EQ(d.owner, "data-eng");
  EXPECT_THAT(d.tags, ElementsAre("finance", "ingest"));
  ASSERT_TRUE(d.schedule.has_value());
  EXPECT_EQ(d.schedule->expr, "30 18 * * 1-5");
  EXPECT_EQ(d.schedule->mode, ScheduleMode::kInterval);
  EXPECT_EQ(d.timezone, "America/New_York");
  // Midnight and 17:00 wall time in New York (EST, UTC-5).
  EXPECT_EQ(d.start, T("2025-01-02T05:00:00Z"));
  EXPECT_EQ(d.end, T("2026-12-31T22:00:00Z"));
  EXPECT_TRUE(d.catchup);
  EXPECT_EQ(d.max_active_runs, 1);
  EXPECT_EQ(d.max_active_tasks, 4);
  EXPECT_EQ(d.params, (std::map<std::string, std::string>{{"root", "/data/vendors"},
                                                          {"days", "3"},
                                                          {"list", R"(["1","b"])"},
                                                          {"map", R"({"k":"v"})"},
                                                          {"empty", ""}}));
  EXPECT_THAT(d.on_failure, ElementsAre("ops"));
  EXPECT_THAT(d.on_retry, ElementsAre("ops", "chat"));
  EXPECT_THAT(d.on_success, IsEmpty());
  EXPECT_THAT(d.on_sla_miss, ElementsAre("pager"));
  EXPECT_EQ(d.sla, Duration(2h));
  EXPECT_EQ(d.file, "/dags/prices.yaml");
  EXPECT_EQ(d.hash.size(), 16u);

  ASSERT_EQ(d.tasks.size(), 4u);
  const TaskSpec& bbg = d.tasks[0];
  EXPECT_EQ(bbg.id, "fetch_bbg");
  EXPECT_EQ(bbg.kind, "run");
  EXPECT_EQ(bbg.config, Value("./bin/fetch --vendor bbg --date {{ ds }}"));
  EXPECT_THAT(bbg.needs, IsEmpty());
  EXPECT_EQ(bbg.trigger, TriggerRule::kAllSuccess);
  EXPECT_EQ(bbg.retries, 3);  // from defaults
  EXPECT_EQ(bbg.retry_delay, Duration(2min));
  EXPECT_EQ(bbg.retry_backoff, RetryBackoff::kExponential);
  EXPECT_EQ(bbg.max_retry_delay, Duration(1h));
  EXPECT_EQ(bbg.timeout, Duration(1h));
  EXPECT_EQ(bbg.env, (std::map<std::string, std::string>{{"FROM", "defaults"}}));
  EXPECT_EQ(bbg.pool, "vendors");
  EXPECT_EQ(bbg.priority, 0);
  EXPECT_EQ(bbg.skip_exit_code, 99);
  EXPECT_FALSE(bbg.depends_on_past);
  EXPECT_EQ(bbg.location, (SourceLocation{"/dags/prices.yaml", 26, 3}));

  const TaskSpec& rfn = d.tasks[1];
  EXPECT_EQ(rfn.kind, "exec");
  EXPECT_EQ(rfn.config, Value::FromList({Value("./bin/fetch"), Value("--vendor"), Value("rfn"),
                                         Value("--date"), Value("{{ ds }}")}));
  EXPECT_EQ(rfn.retries, 0);  // its own key wins over defaults

  const TaskSpec& rec = d.tasks[2];
  EXPECT_THAT(rec.needs, ElementsAre("fetch_bbg", "fetch_rfn"));
  // A task's own mapping replaces the default mapping; it is not merged.
  EXPECT_EQ(rec.env, (std::map<std::string, std::string>{{"PGHOST", "localhost"}}));
  EXPECT_EQ(rec.cwd, "/srv/pipeline");
  EXPECT_EQ(rec.priority, -2);
  EXPECT_EQ(rec.skip_exit_code, 42);
  EXPECT_TRUE(rec.depends_on_past);
  EXPECT_EQ(rec.timeout, Duration(90s));
  EXPECT_THAT(rec.on_failure, ElementsAre("dba"));

  const TaskSpec& rep = d.tasks[3];
  EXPECT_THAT(rep.needs, ElementsAre("reconcile"));  // one id without brackets
  EXPECT_EQ(rep.trigger, TriggerRule::kAllDone);
  EXPECT_EQ(rep.retry_backoff, RetryBackoff::kFixed);
  EXPECT_EQ(rep.retries, 3);
}

TEST(DagLoaderTest, LongRunningKeysOnTheDagInDefaultsAndOnATask) {
  LoadedFile f = LoadDagText("l.yaml", R"(dag: l
on_long_running: [ops]
defaults:
  expected_duration: 30m
tasks:
  a: {run: x, expected_duration: 10m, on_long_running: [pager]}
  b: {run: x}
)");
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  const DagSpec& d = f.dags[0];
  EXPECT_THAT(d.on_long_running, ElementsAre("ops"));
  EXPECT_EQ(d.tasks[0].expected_duration, Duration(10min));
  EXPECT_THAT(d.tasks[0].on_long_running, ElementsAre("pager"));
  EXPECT_EQ(d.tasks[1].expected_duration, Duration(30min));  // from defaults
  EXPECT_THAT(d.tasks[1].on_long_running, IsEmpty());        // the DAG's list applies at alert time

  LoadedFile bad = LoadDagText("l.yaml", "dag: l\ntasks:\n  a: {run: x, expected_duration: 0s}\n");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0].ToString(),
            "l.yaml:3:34: error: 'expected_duration' must be longer than 0s");
}

TEST(DagLoaderTest, MinimalSpecHasTheDocumentedDefaults) {
  LoadedFile f = LoadDagText("m.yaml", "dag: m\ntasks:\n  only: {run: true}\n");
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  const DagSpec& d = f.dags[0];
  EXPECT_FALSE(d.schedule.has_value());
  EXPECT_EQ(d.timezone, "UTC");
  EXPECT_FALSE(d.start.has_value());
  EXPECT_FALSE(d.end.has_value());
  EXPECT_FALSE(d.catchup);
  EXPECT_EQ(d.max_active_runs, 16);
  EXPECT_EQ(d.max_active_tasks, 16);
  EXPECT_FALSE(d.sla.has_value());
  const TaskSpec& t = d.tasks[0];
  EXPECT_EQ(t.kind, "run");
  EXPECT_EQ(t.config, Value("true"));  // a YAML scalar is text: `run: true` runs `true`
  EXPECT_EQ(t.retries, 0);
  EXPECT_EQ(t.retry_delay, Duration(5min));
  EXPECT_EQ(t.retry_backoff, RetryBackoff::kFixed);
  EXPECT_FALSE(t.max_retry_delay.has_value());
  EXPECT_FALSE(t.timeout.has_value());
  EXPECT_EQ(t.skip_exit_code, 99);
}

TEST(DagLoaderTest, ScheduleForms) {
  auto load = [](const std::string& schedule) {
    LoadedFile f = LoadDagText(
        "s.yaml", "dag: s\nschedule: " + schedule + "\nstart: 2025-01-01\ntasks: {a: {run: x}}\n");
    EXPECT_TRUE(f.ok()) << schedule << ": " << f.errors[0].ToString();
    return f.ok() ? f.dags[0].schedule : std::nullopt;
  };
  EXPECT_EQ(load("\"@daily\""), (ScheduleSpec{"@daily", ScheduleMode::kInterval}));
  EXPECT_EQ(load("every 15m"), (ScheduleSpec{"every 15m", ScheduleMode::kInterval}));
  EXPECT_EQ(load("{cron: \"0 9 * * 1-5\", mode: trigger}"),
            (ScheduleSpec{"0 9 * * 1-5", ScheduleMode::kTrigger}));
  EXPECT_EQ(load("{cron: \"0 9 * * 1-5\"}"),
            (ScheduleSpec{"0 9 * * 1-5", ScheduleMode::kInterval}));
  EXPECT_EQ(load("{preset: hourly, mode: interval}"),
            (ScheduleSpec{"@hourly", ScheduleMode::kInterval}));
  EXPECT_EQ(load("{every: 2h, mode: trigger}"), (ScheduleSpec{"every 2h", ScheduleMode::kTrigger}));
  EXPECT_EQ(load("null"), std::nullopt);
}

TEST(DagLoaderTest, StartWithAnOffsetIsTakenAsGiven) {
  LoadedFile f = LoadDagText("s.yaml",
                             "dag: s\ntimezone: Asia/Tokyo\nstart: 2025-01-01T00:00:00Z\n"
                             "end: 2025-06-01 09:30\ntasks: {a: {run: x}}\n");
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  EXPECT_EQ(f.dags[0].start, T("2025-01-01T00:00:00Z"));
  EXPECT_EQ(f.dags[0].end, T("2025-06-01T00:30:00Z"));
}

TEST(DagLoaderTest, DefaultKindAppliesOnlyToTasksWithoutOne) {
  LoadedFile f = LoadDagText("k.yaml",
                             "dag: k\ndefaults: {run: \"echo {{ task_id }}\"}\n"
                             "tasks:\n  a: {}\n  b: {exec: [ls]}\n  c:\n");
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  EXPECT_EQ(f.dags[0].tasks[0].kind, "run");
  EXPECT_EQ(f.dags[0].tasks[0].config, Value("echo {{ task_id }}"));
  EXPECT_EQ(f.dags[0].tasks[1].kind, "exec");
  EXPECT_EQ(f.dags[0].tasks[1].config, Value::FromList({Value("ls")}));
  EXPECT_EQ(f.dags[0].tasks[2].kind, "run");
  EXPECT_EQ(f.dags[0].tasks[2].config, Value("echo {{ task_id }}"));
}

TEST(DagLoaderTest, SeveralDocumentsAreSeveralDags) {
  LoadedFile f = LoadDagText("multi.yaml",
                             "dag: one\ntasks: {a: {run: x}}\n"
                             "---\n"
                             "dag: two\ntasks: {b: {run: y}}\n"
                             "---\n");
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  ASSERT_EQ(f.dags.size(), 2u);
  EXPECT_EQ(f.dags[0].id, "one");
  EXPECT_EQ(f.dags[1].id, "two");
  EXPECT_EQ(f.dags[1].tasks[0].location, (SourceLocation{"multi.yaml", 5, 9}));
  EXPECT_NE(f.dags[0].hash, f.dags[1].hash);
}

TEST(DagLoaderTest, AnErrorInOneDocumentYieldsNoDagFromTheFile) {
  LoadedFile f = LoadDagText(
      "multi.yaml", "dag: one\ntasks: {a: {run: x}}\n---\ndag: two\ntasks: {b: {rn: y}}\n");
  EXPECT_THAT(f.dags, IsEmpty());
  ASSERT_EQ(f.errors.size(), 2u);
  EXPECT_EQ(f.errors[0].ToString(),
            "multi.yaml:5:9: error: task 'b' has no command (add 'run', 'exec' or 'sensor')");
  EXPECT_EQ(f.errors[1].ToString(),
            "multi.yaml:5:13: error: unknown key 'rn' (did you mean 'run'?)");
}

TEST(DagLoaderTest, HashNamesTheVersion) {
  const char* text = "dag: h\ntasks: {a: {run: x}}\n";
  std::string h1 = LoadDagText("h.yaml", text).dags[0].hash;
  EXPECT_EQ(LoadDagText("h.yaml", text).dags[0].hash, h1);
  // A comment moves the task's location but does not change what runs.
  EXPECT_EQ(LoadDagText("h.yaml", std::string("# c\n") + text).dags[0].hash, h1);
  EXPECT_NE(LoadDagText("h.yaml", "dag: h\ntasks: {a: {run: y}}\n").dags[0].hash, h1);
  // The default cwd is the file's folder, so a moved file is a different version.
  EXPECT_NE(LoadDagText("other/h.yaml", text).dags[0].hash, h1);
}

TEST(DagLoaderTest, LoadDagFileReadsTheFileOrSaysWhyNot) {
  TempDir dir;
  std::string path = dir.Write("f.yaml", "dag: f\ntasks: {a: {run: x}}\n");
  LoadedFile f = LoadDagFile(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f.dags[0].file, path);
  LoadedFile missing = LoadDagFile(dir.path() + "/nope.yaml");
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_THAT(missing.errors[0].ToString(),
              ::testing::StartsWith(dir.path() + "/nope.yaml:1:1: error: "));
  EXPECT_THAT(missing.errors[0].message, ::testing::HasSubstr("No such file or directory"));
}

}  // namespace
}  // namespace sluice
