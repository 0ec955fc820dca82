// `sensor: external` as a DAG file writes it: its keys, its config, and each error at its place.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/dag_loader.h"
#include "core/external_sensor_config.h"
#include "core/operator_registry.h"
#include "core/sensor_config.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Errors(const std::string& text) {
  LoadedFile f = LoadDagText("d.yaml", text);
  std::vector<std::string> out;
  for (const Diagnostic& d : f.errors) out.push_back(d.ToString());
  return out;
}

ExternalSensorConfig ConfigOf(const std::string& task_line) {
  LoadedFile f = LoadDagText("d.yaml", "dag: d\ntasks:\n  w: " + task_line + "\n");
  EXPECT_TRUE(f.ok()) << (f.errors.empty() ? "" : f.errors[0].ToString());
  if (!f.ok()) return {};
  Result<SensorConfig> sensor = SensorConfig::FromValue(f.dags[0].tasks[0].config);
  EXPECT_TRUE(sensor.ok());
  EXPECT_EQ(sensor->type, "external");
  Result<ExternalSensorConfig> c = ExternalSensorConfig::FromValue(sensor->config);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? *c : ExternalSensorConfig();
}

TEST(ExternalSensorKeysTest, ReadsDagTaskOffsetAndStates) {
  ExternalSensorConfig c = ConfigOf(
      "{sensor: external, dag: prices, task: publish, offset: -1d, states: [success, skipped], "
      "timeout: 6h, soft_fail: true}");
  EXPECT_EQ(c.dag, "prices");
  EXPECT_EQ(c.task, "publish");
  EXPECT_EQ(c.offset, Duration(-std::chrono::hours(24)));
  EXPECT_EQ(c.states, (std::vector<std::string>{"success", "skipped"}));
  LoadedFile f = LoadDagText(
      "d.yaml",
      "dag: d\ntasks:\n  w: {sensor: external, dag: prices, task: publish, offset: -1d, "
      "states: [success, skipped]}\n");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(FindOperator("sensor")->Describe(f.dags[0].tasks[0].config),
            "sensor external: prices/publish at -1d success or skipped");
}

TEST(ExternalSensorKeysTest, DefaultsAreThisLogicalDateAndSuccess) {
  ExternalSensorConfig c = ConfigOf("{sensor: external, dag: d}");  // its own DAG may do
  EXPECT_EQ(c.dag, "d");
  EXPECT_EQ(c.task, "");
  EXPECT_EQ(c.offset, Duration::zero());
  EXPECT_EQ(c.states, (std::vector<std::string>{"success"}));
  EXPECT_TRUE(c.Wants(RunState::kSuccess));
  EXPECT_FALSE(c.Wants(RunState::kFailed));
  EXPECT_EQ(ConfigOf("{sensor: external, dag: p, offset: 2h}").offset,
            Duration(std::chrono::hours(2)));
  EXPECT_EQ(ConfigOf("{sensor: external, dag: p, states: [failed]}").states,
            (std::vector<std::string>{"failed"}));
}

TEST(ExternalSensorKeysTest, EachErrorAtItsPlace) {
  EXPECT_THAT(
      Errors("dag: d\n"
             "tasks:\n"
             "  a: {sensor: external, task: publish}\n"
             "  b: {sensor: external, dag: prices, tsk: publish}\n"
             "  c: {sensor: external, dag: prices, offset: 1x}\n"
             "  d: {sensor: external, dag: prices, task: publish, states: [succes]}\n"
             "  e: {sensor: external, dag: prices, states: [skipped]}\n"
             "  f: {sensor: external, dag: prices, states: []}\n"
             "  g: {sensor: external, dag: 'a/b'}\n"
             "  h: {sensor: external, dag: prices, states: success}\n"
             "  i: {sensor: external, dag: prices, task: 'x y'}\n"),
      ElementsAre(
          "d.yaml:3:7: error: an 'external' sensor needs 'dag' (the id of the DAG whose run it "
          "waits for)",
          "d.yaml:4:38: error: unknown key 'tsk' (did you mean 'task'?)",
          "d.yaml:5:46: error: invalid offset '1x' (use a duration such as 0s, 2h or -1d; "
          "negative: an earlier run)",
          "d.yaml:6:62: error: unknown task state 'succes' (use none, scheduled, queued, running, "
          "success, failed, up_for_retry, skipped, upstream_failed, deferred or removed)",
          "d.yaml:7:47: error: unknown run state 'skipped' (use queued, running, success or "
          "failed); task states need 'task'",
          "d.yaml:8:46: error: 'states' is empty (give at least one, e.g. [success])",
          "d.yaml:9:30: error: invalid dag id 'a/b' (use letters, digits, '_', '.' and '-')",
          "d.yaml:10:46: error: 'states' must be a list of states, e.g. [success]",
          "d.yaml:11:44: error: invalid task id 'x y' (use letters, digits, '_', '.' and '-')"));
}

}  // namespace
}  // namespace sluice
