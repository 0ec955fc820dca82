// The `sensor` kind as a DAG file writes it, and the `file` sensor type's pokes on real files.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "core/dag_loader.h"
#include "core/operator_registry.h"
#include "core/sensor_config.h"
#include "core/sensor_registry.h"
#include "operators/builtin.h"
#include "tests/testing/temp_dir.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Errors(const std::string& text) {
  LoadedFile f = LoadDagText("d.yaml", text);
  std::vector<std::string> out;
  for (const Diagnostic& d : f.errors) out.push_back(d.ToString());
  return out;
}

TEST(SensorKindTest, ReadsCommonSensorKeysAndHandsTheRestToTheType) {
  LoadedFile f =
      LoadDagText("/dags/d.yaml",
                  "dag: d\n"
                  "tasks:\n"
                  "  wait_vendor: {sensor: file, path: 'in/{{ ds }}/*.csv', min_size: 1,\n"
                  "                stable_for: 10s, poke_every: 30s, timeout: 6h,\n"
                  "                soft_fail: true, poke_backoff: exponential,\n"
                  "                max_poke_every: 5m}\n"
                  "  load: {run: ./load.sh, needs: wait_vendor}\n");
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  const TaskSpec& t = f.dags[0].tasks[0];
  EXPECT_EQ(t.kind, "sensor");
  EXPECT_EQ(t.timeout, Duration(std::chrono::hours(6)));
  Result<SensorConfig> c = SensorConfig::FromValue(t.config);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->type, "file");
  EXPECT_EQ(c->poke_every, Duration(std::chrono::seconds(30)));
  EXPECT_EQ(c->backoff, PokeBackoff::kExponential);
  EXPECT_EQ(c->max_poke_every, Duration(std::chrono::minutes(5)));
  EXPECT_TRUE(c->soft_fail);
  EXPECT_EQ(c->mode, SensorMode::kPoke);
  EXPECT_EQ(*c->config.Find("path")->AsString(), "in/{{ ds }}/*.csv");
  EXPECT_EQ(*c->config.Find("min_size")->AsInt(), 1);
  EXPECT_EQ(*c->config.Find("stable_for_ms")->AsInt(), 10000);
  EXPECT_EQ(FindOperator("sensor")->Describe(t.config), "sensor file: in/{{ ds }}/*.csv");
  ASSERT_TRUE(DeferredSensorOf(t).has_value());
  EXPECT_FALSE(DeferredSensorOf(f.dags[0].tasks[1]).has_value());
}

TEST(SensorKindTest, DefaultsAreAMinuteFixedAndHard) {
  LoadedFile f = LoadDagText("d.yaml", "dag: d\ntasks:\n  w: {sensor: file, path: x}\n");
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  Result<SensorConfig> c = SensorConfig::FromValue(f.dags[0].tasks[0].config);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->poke_every, Duration(std::chrono::seconds(60)));
  EXPECT_EQ(c->backoff, PokeBackoff::kFixed);
  EXPECT_FALSE(c->soft_fail);
  EXPECT_EQ(c->config.Find("min_size"), nullptr);  // defaults are not stored
  EXPECT_EQ(c->config.Find("stable_for_ms"), nullptr);
  EXPECT_EQ(f.dags[0].tasks[0].config,
            Value::FromMap(
                {{"type", Value("file")}, {"config", Value::FromMap({{"path", Value("x")}})}}));
}

TEST(SensorKindTest, PokeIntervalBacksOffAndIsCapped) {
  SensorConfig c;
  c.poke_every = std::chrono::seconds(10);
  EXPECT_EQ(PokeInterval(c, 1), Duration(std::chrono::seconds(10)));
  EXPECT_EQ(PokeInterval(c, 7), Duration(std::chrono::seconds(10)));
  c.backoff = PokeBackoff::kExponential;
  EXPECT_EQ(PokeInterval(c, 1), Duration(std::chrono::seconds(10)));
  EXPECT_EQ(PokeInterval(c, 2), Duration(std::chrono::seconds(20)));
  EXPECT_EQ(PokeInterval(c, 4), Duration(std::chrono::seconds(80)));
  c.max_poke_every = std::chrono::minutes(1);
  EXPECT_EQ(PokeInterval(c, 4), Duration(std::chrono::minutes(1)));
  EXPECT_EQ(PokeInterval(c, 1000), Duration(std::chrono::minutes(1)));
  c.max_poke_every.reset();
  EXPECT_EQ(PokeInterval(c, 1000), Duration(std::chrono::hours(24)));
}

TEST(SensorKindTest, ErrorsAtTheirColumn) {
  EXPECT_THAT(
      Errors("dag: t\n"
             "tasks:\n"
             "  a: {sensor: fiel, path: x}\n"
             "  b: {sensor: file, pth: x, path: y}\n"
             "  c: {sensor: file, path: x, poke_every: 5x}\n"
             "  d: {sensor: file, path: x, mode: reschedule}\n"
             "  e: {sensor: file}\n"
             "  f: {sensor: file, path: x, min_size: -1, stable_for: soon}\n"
             "  g: {sensor: file, path: x, poke_every: 0s, soft_fail: maybe}\n"
             "  h: {sensor: file, path: x, max_poke_every: 1m}\n"
             "  i: {sensor: file, path: x, poke_evry: 1m}\n"
             "  j: {sensor: zzzzzz, path: x}\n"),
      ElementsAre(
          "d.yaml:3:15: error: unknown sensor 'fiel' (did you mean 'file'?)",
          "d.yaml:4:21: error: unknown key 'pth' (did you mean 'path'?)",
          "d.yaml:5:42: error: invalid duration '5x' (use e.g. 45s, 5m, 2h, 1d, 1h30m "
          "or a number of seconds)",
          "d.yaml:6:36: error: 'mode: reschedule' is for command sensors only (a 'file' "
          "sensor is poked by the scheduler and holds no process while it waits)",
          "d.yaml:7:7: error: a 'file' sensor needs 'path' (a file or a glob such as "
          "in/*.csv)",
          "d.yaml:8:40: error: 'min_size' must be at least 0",
          "d.yaml:8:56: error: invalid duration 'soon' (use e.g. 45s, 5m, 2h, 1d, 1h30m "
          "or a number of seconds)",
          "d.yaml:9:42: error: 'poke_every' must be more than 0s",
          "d.yaml:9:57: error: 'soft_fail' must be true or false",
          "d.yaml:10:30: error: 'max_poke_every' caps an exponential backoff (add "
          "poke_backoff: exponential, or remove it)",
          "d.yaml:11:30: error: unknown key 'poke_evry' (did you mean 'poke_every'?)",
          "d.yaml:12:15: error: unknown sensor 'zzzzzz' (use 'file', 'time', 'sql', 'http', "
          "'external' or 'command')"));
}

TEST(SensorKindTest, TemplatesInTheTypesKeysAreChecked) {
  EXPECT_THAT(
      Errors("dag: t\ntasks:\n  a: {sensor: file, path: 'in/{{ dss }}.csv'}\n"),
      ElementsAre("d.yaml:3:31: error: unknown template variable 'dss' (did you mean 'ds'?)"));
}

TEST(SensorKindTest, OtherKindsStillRejectUnknownKeys) {
  EXPECT_THAT(Errors("dag: t\ntasks:\n  a: {run: x, path: y}\n"),
              ElementsAre("d.yaml:3:15: error: unknown key 'path'"));
}

TEST(TimeSensorTest, ReadsAWallTimeAndSaysWhenItIsMet) {
  EXPECT_THAT(Errors("dag: t\n"
                     "tasks:\n"
                     "  a: {sensor: time, at: '25:00'}\n"
                     "  b: {sensor: time}\n"
                     "  c: {sensor: time, at: '16:15', path: x}\n"),
              ElementsAre("d.yaml:3:25: error: invalid time '25:00' (use HH:MM or HH:MM:SS, "
                          "24-hour)",
                          "d.yaml:4:7: error: a 'time' sensor needs 'at' (a wall time such as "
                          "\"16:15\")",
                          "d.yaml:5:34: error: unknown key 'path' (sensor: time takes at)"));
  const SensorType* type = FindSensorType("time");
  ASSERT_NE(type, nullptr);
  const Value config = Value::FromMap({{"at", Value("16:15")}});
  // On the local day the data interval ends: 2025-01-06 in New York, 16:15 EST = 21:15 UTC.
  SensorRun run{TimePoint(std::chrono::seconds(1736164800)), "America/New_York"};  // 12:00Z
  Result<std::optional<TimePoint>> at = type->MetAt(config, run);
  ASSERT_TRUE(at.ok()) << at.status().message();
  ASSERT_TRUE(at->has_value());
  EXPECT_EQ((**at - run.data_interval_end), Duration(std::chrono::minutes(9 * 60 + 15)));
  EXPECT_EQ(type->Describe(config), "at 16:15");
  EXPECT_EQ(FindSensorType("file")->MetAt(config, run).value(), std::nullopt);
}

class FileSensorTest : public ::testing::Test {
 protected:
  PokeResult Poke(const std::string& path, int64_t min_size = 0,
                  std::optional<int64_t> stable_ms = std::nullopt, Value memo = Value(),
                  TimePoint now = TimePoint(std::chrono::seconds(1000))) {
    Value::Entries e;
    e.emplace_back("path", Value(path));
    e.emplace_back("min_size", Value(min_size));
    if (stable_ms) e.emplace_back("stable_for_ms", Value(*stable_ms));
    PokeContext ctx;
    ctx.base_dir = dir_.path();
    ctx.now = now;
    ctx.memo = std::move(memo);
    return FindSensorType("file")->Poke(Value::FromMap(std::move(e)), ctx);
  }
  TempDir dir_;
};

TEST_F(FileSensorTest, MetWhenAFileOfTheSizeMatches) {
  PokeResult r = Poke("in/*.csv");
  EXPECT_EQ(r.outcome, PokeResult::Outcome::kNotMet);
  EXPECT_EQ(r.detail, "no file matches in/*.csv");
  std::filesystem::create_directories(dir_.path() + "/in");
  dir_.Write("in/a.csv", "");
  r = Poke("in/*.csv", 1);
  EXPECT_EQ(r.outcome, PokeResult::Outcome::kNotMet);
  EXPECT_EQ(r.detail, "1 file under min_size 1 B match in/*.csv");
  dir_.Write("in/b.csv", "hello");
  r = Poke("in/*.csv", 1);
  EXPECT_EQ(r.outcome, PokeResult::Outcome::kMet);
  EXPECT_EQ(r.detail, "1 file, 5 B");
  r = Poke(dir_.path() + "/in/*.csv");
  EXPECT_EQ(r.outcome, PokeResult::Outcome::kMet);
  EXPECT_EQ(r.detail, "2 files, 5 B");
}

TEST_F(FileSensorTest, StableForWaitsForNoChange) {
  dir_.Write("f.csv", "abc");
  const TimePoint t0(std::chrono::seconds(1000));
  PokeResult r = Poke("f.csv", 0, 10000, Value(), t0);
  EXPECT_EQ(r.outcome, PokeResult::Outcome::kNotMet);
  EXPECT_EQ(r.detail, "1 file, 3 B, unchanged for 0s of 10s");
  r = Poke("f.csv", 0, 10000, r.memo, t0 + std::chrono::seconds(4));
  EXPECT_EQ(r.outcome, PokeResult::Outcome::kNotMet);
  EXPECT_EQ(r.detail, "1 file, 3 B, unchanged for 4s of 10s");
  // It grows: the wait starts over.
  dir_.Write("f.csv", "abcdef");
  r = Poke("f.csv", 0, 10000, r.memo, t0 + std::chrono::seconds(8));
  EXPECT_EQ(r.detail, "1 file, 6 B, unchanged for 0s of 10s");
  r = Poke("f.csv", 0, 10000, r.memo, t0 + std::chrono::seconds(18));
  EXPECT_EQ(r.outcome, PokeResult::Outcome::kMet);
  EXPECT_EQ(r.detail, "1 file, 6 B, unchanged for 10s of 10s");
}

}  // namespace
}  // namespace sluice
