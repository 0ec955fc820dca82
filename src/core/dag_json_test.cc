#include "core/dag_json.h"

#include <gtest/gtest.h>

#include "core/dag_loader.h"
#include "time/time_format.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;

TimePoint T(const char* iso) { return *ParseTimePoint(iso, TimeZone::Utc()); }

// Every field set to a value other than its default.
DagSpec EveryField() {
  DagSpec d;
  d.id = "all";
  d.description = "every field";
  d.owner = "me";
  d.tags = {"a", "b"};
  d.schedule = ScheduleSpec{"0 9 * * 1-5", ScheduleMode::kTrigger};
  d.timezone = "Europe/London";
  d.start = T("2025-01-02T09:00:00Z");
  d.end = T("2026-01-02T09:00:00.000123Z");
  d.catchup = true;
  d.max_active_runs = 2;
  d.max_active_tasks = 3;
  d.params = {{"root", "/x"}, {"list", "[1,2]"}};
  d.on_failure = {"ops"};
  d.on_retry = {"r"};
  d.on_success = {"s"};
  d.on_sla_miss = {"pager"};
  d.sla = 2h;
  d.file = "/dags/all.yaml";
  TaskSpec a;
  a.id = "a";
  a.kind = "exec";
  a.config = Value::FromList({Value("ls"), Value("{{ ds }}")});
  a.location = {"/dags/all.yaml", 20, 3};
  TaskSpec b;
  b.id = "b";
  b.kind = "run";
  b.config = Value("echo é {{ params.root }}");
  b.needs = {"a"};
  b.trigger = TriggerRule::kNoneFailedMinOneSuccess;
  b.retries = 4;
  b.retry_delay = 90s;
  b.retry_backoff = RetryBackoff::kExponential;
  b.max_retry_delay = 1h + 30min;
  b.timeout = Duration(1500);  // sub-second: only a generated spec could have it
  b.env = {{"K", "v"}};
  b.cwd = "/srv";
  b.pool = "p";
  b.priority = -5;
  b.skip_exit_code = 7;
  b.depends_on_past = true;
  b.on_failure = {"f"};
  b.on_retry = {"r"};
  b.on_success = {"s"};
  b.location = {"/dags/all.yaml", 22, 3};
  d.tasks = {a, b};
  d.hash = DagHash(d);
  return d;
}

TEST(DagJsonTest, RoundTripsEveryField) {
  DagSpec d = EveryField();
  Result<DagSpec> back = DagFromJson(DagToJson(d));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, d);
  EXPECT_EQ(DagToJson(*back), DagToJson(d));
}

TEST(DagJsonTest, RoundTripsDefaults) {
  DagSpec d;
  d.id = "min";
  d.tasks.resize(1);
  d.tasks[0].id = "t";
  d.tasks[0].kind = "run";
  d.tasks[0].config = Value("x");
  Result<DagSpec> back = DagFromJson(DagToJson(d));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, d);
}

TEST(DagJsonTest, IsCanonicalAndReadable) {
  DagSpec d;
  d.id = "j";
  d.tasks.resize(1);
  d.tasks[0].id = "t";
  d.tasks[0].kind = "run";
  d.tasks[0].config = Value("x");
  d.tasks[0].timeout = 1h;
  EXPECT_EQ(
      DagToJson(d),
      R"({"catchup":false,"dag":"j","description":"","end":null,"file":"","max_active_runs":16,)"
      R"("max_active_tasks":16,"on_failure":[],"on_retry":[],"on_sla_miss":[],"on_success":[],)"
      R"("owner":"","params":{},"schedule":null,"sla":null,"start":null,"tags":[],"tasks":[{)"
      R"("cwd":"","depends_on_past":false,"env":{},"exec":[],"id":"t","kind":"run",)"
      R"("location":{"column":0,"file":"","line":0},"max_retry_delay":null,"needs":[],)"
      R"("on_failure":[],"on_retry":[],"on_success":[],"pool":"","priority":0,"retries":0,)"
      R"("retry_backoff":"fixed","retry_delay":"5m","run":"x","skip_exit_code":99,)"
      R"("timeout":"1h","trigger":"all_success"}],"timezone":"UTC"})");
}

TEST(DagJsonTest, LoadedSpecRoundTrips) {
  LoadedFile f = LoadDagText("/d/x.yaml",
                             "dag: x\nschedule: '@daily'\nstart: 2025-01-01\ntimezone: Asia/Tokyo\n"
                             "defaults: {retries: 2, timeout: 1h30m}\n"
                             "tasks: {a: {run: 'echo {{ ds }}'}, b: {exec: [ls], needs: [a]}}\n");
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  Result<DagSpec> back = DagFromJson(DagToJson(f.dags[0]));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, f.dags[0]);
  EXPECT_EQ(DagHash(*back), f.dags[0].hash);
}

TEST(DagJsonTest, HashChangesWithTheSpecButNotWithLocations) {
  DagSpec d = EveryField();
  std::string h = DagHash(d);
  EXPECT_EQ(h.size(), 16u);
  DagSpec moved = d;
  moved.tasks[0].location.line += 3;
  EXPECT_EQ(DagHash(moved), h);
  DagSpec changed = d;
  changed.tasks[1].retries = 5;
  EXPECT_NE(DagHash(changed), h);
  DagSpec renamed = d;
  renamed.file = "/dags/elsewhere.yaml";
  EXPECT_NE(DagHash(renamed), h);
}

// Computed by the code before task kinds were open (commit ad3295b): the versions that running
// schedulers have stored keep their names, so an upgrade stores no new version of these DAGs.
TEST(DagJsonTest, HashesOfRunAndExecDagsAreThoseOfBeforeKindsWereOpen) {
  LoadedFile f = LoadDagText("/dags/prices.yaml",
                             "dag: prices\nschedule: '30 18 * * 1-5'\nstart: 2025-01-02\n"
                             "timezone: America/New_York\ndefaults: {retries: 3}\n"
                             "tasks:\n"
                             "  fetch_bbg: {run: './bin/fetch --vendor bbg --date {{ ds }}'}\n"
                             "  fetch_rfn: {exec: [./bin/fetch, --vendor, rfn, '{{ ds }}']}\n"
                             "  report: {needs: [fetch_bbg, fetch_rfn], run: ./bin/report}\n");
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  EXPECT_EQ(f.dags[0].hash, "5d3fa6747cc8cd09");
  EXPECT_EQ(DagHash(EveryField()), "5283069178d8a9a7");
}

// expected_duration and on_long_running are written only when set: EveryField's hash above is
// the one it had before they existed.
TEST(DagJsonTest, LongRunningKeysRoundTripWhenSet) {
  DagSpec d = EveryField();
  d.on_long_running = {"ops"};
  d.tasks[1].on_long_running = {"l"};
  d.tasks[1].expected_duration = 10min;
  d.hash = DagHash(d);
  EXPECT_NE(d.hash, DagHash(EveryField()));
  Result<DagSpec> back = DagFromJson(DagToJson(d));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, d);
}

TEST(DagJsonTest, AnExecTaskKeepsTheEmptyRunFieldOfBefore) {
  DagSpec d = EveryField();
  std::string json = DagToJson(d);
  EXPECT_NE(json.find(R"("exec":["ls","{{ ds }}"],"id":"a","kind":"exec",)"), std::string::npos);
  EXPECT_NE(json.find(R"("retry_delay":"5m","run":"","skip_exit_code")"), std::string::npos);
}

// A stored version holds what an operator returned; every JSON type survives the trip.
TEST(DagJsonTest, ConfigsOfEveryJsonTypeRoundTrip) {
  DagSpec d;
  d.id = "v";
  d.tasks.resize(1);
  d.tasks[0].id = "t";
  d.tasks[0].kind = "exec";  // a registered kind: DagFromJson checks it, not the config's shape
  d.tasks[0].config = Value::FromList(
      {Value(), Value(true), Value(false), Value(0), Value(-7), Value(int64_t{1} << 62), Value(2.5),
       Value(1.0), Value(""), Value("é"), Value::FromList({}),
       Value::FromMap({{"b", Value::FromList({Value(1)})}, {"a", Value::FromMap({})}})});
  Result<DagSpec> back = DagFromJson(DagToJson(d));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->tasks[0].config, d.tasks[0].config);
  EXPECT_EQ(*back, d);
}

TEST(DagJsonTest, AnUnknownKindIsAnError) {
  std::string json = DagToJson(EveryField());
  std::string http = json;
  http.replace(http.find(R"("kind":"run")"), 12, R"("kind":"http")");
  EXPECT_EQ(
      DagFromJson(http).status().message(),
      "invalid DAG JSON: task 'b' has unknown kind 'http' (this program knows run, exec, sensor)");
  std::string no_config = json;
  no_config.replace(no_config.find(R"("kind":"exec")"), 13, R"("kind":"run")");
  no_config.replace(no_config.find(R"("run":"")"), 8, R"("rux":"")");
  EXPECT_FALSE(DagFromJson(no_config).ok());
}

TEST(DagJsonTest, BadJsonIsAnErrorNotAnException) {
  auto not_json = DagFromJson("{");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(not_json.status().message().rfind("invalid DAG JSON: ", 0), 0u);
  auto missing = DagFromJson("{}");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("'dag'"), std::string::npos)
      << missing.status().message();
  std::string json = DagToJson(EveryField());
  std::string bad_rule = json;
  bad_rule.replace(bad_rule.find("none_failed_min_one_success"), 27, "sometimes");
  EXPECT_FALSE(DagFromJson(bad_rule).ok());
  std::string bad_time = json;
  bad_time.replace(bad_time.find("2025-01-02T09:00:00Z"), 20, "yesterday");
  auto t = DagFromJson(bad_time);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(),
            "invalid DAG JSON: invalid date or time 'yesterday' (use YYYY-MM-DD, "
            "YYYY-MM-DDTHH:MM[:SS] or ISO-8601 with Z)");
}

}  // namespace
}  // namespace sluice
