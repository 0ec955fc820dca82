#include "notify/payload.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/testing/temp_dir.h"

namespace sluice::notify {
namespace {

DeliveryRecord TaskFailure() {
  DeliveryRecord d;
  d.id = 7;
  d.event = "failure";
  d.notifier = "ops";
  d.dag_id = "nightly";
  d.run_id = "scheduled__2026-01-02T00:00:00Z";
  d.task_id = "fetch";
  d.subject_state = "failed";
  d.try_number = 2;
  d.max_tries = 3;
  d.logical_date = TimePoint(std::chrono::seconds(1767312000));  // 2026-01-02T00:00:00Z
  return d;
}

TEST(PayloadTest, TextSaysWhatHappenedInOneLine) {
  DeliveryRecord d = TaskFailure();
  EXPECT_EQ(AlertText(d),
            "✗ nightly/scheduled__2026-01-02T00:00:00Z task fetch failed (try 2 of 3)");
  d.event = "retry";
  d.subject_state = "up_for_retry";
  EXPECT_EQ(AlertText(d),
            "↻ nightly/scheduled__2026-01-02T00:00:00Z task fetch failed, will retry (try 2 of 3)");
  DeliveryRecord run = TaskFailure();
  run.task_id = "";
  run.event = "success";
  run.subject_state = "success";
  EXPECT_EQ(AlertText(run), "✓ nightly/scheduled__2026-01-02T00:00:00Z run succeeded");
}

TEST(PayloadTest, JsonHasEveryField) {
  auto j = nlohmann::json::parse(AlertJson(TaskFailure(), {"a", "b"}));
  const auto expected = nlohmann::json::parse(R"j({
    "event": "failure", "dag": "nightly", "run": "scheduled__2026-01-02T00:00:00Z",
    "task": "fetch", "map_index": null, "state": "failed", "try": 2, "max_tries": 3,
    "logical_date": "2026-01-02T00:00:00Z", "log": ["a", "b"],
    "text": "✗ nightly/scheduled__2026-01-02T00:00:00Z task fetch failed (try 2 of 3)",
    "url": null, "notifier": "ops", "delivery": 7, "detail": null})j");
  EXPECT_EQ(j, expected);
}

TEST(PayloadTest, SlaMissAndLongRunningSayByHowMuch) {
  DeliveryRecord sla = TaskFailure();
  sla.event = "sla_miss";
  sla.task_id = "";
  sla.try_number = 0;
  sla.max_tries = 0;
  sla.subject_state = "running";
  sla.detail = "not done 2h after it was due at 2026-01-03T00:00:00Z (sla 2h)";
  EXPECT_EQ(AlertText(sla),
            "⏰ nightly/scheduled__2026-01-02T00:00:00Z run missed its SLA: not done 2h after it "
            "was due at 2026-01-03T00:00:00Z (sla 2h)");
  EXPECT_EQ(nlohmann::json::parse(AlertJson(sla, {}))["detail"], sla.detail);

  DeliveryRecord slow = TaskFailure();
  slow.event = "long_running";
  slow.subject_state = "running";
  slow.detail = "running 31m, longer than 30m (expected_duration)";
  EXPECT_EQ(AlertText(slow),
            "⌛ nightly/scheduled__2026-01-02T00:00:00Z task fetch is running long (try 2 of 3): "
            "running 31m, longer than 30m (expected_duration)");
  EXPECT_NE(AlertMailBody(slow, {}).find("\ndetail: running 31m, longer than 30m"),
            std::string::npos);
}

TEST(PayloadTest, ARunEventHasNoTaskOrTry) {
  DeliveryRecord d = TaskFailure();
  d.task_id = "";
  d.try_number = 0;
  d.max_tries = 0;
  auto j = nlohmann::json::parse(AlertJson(d, {}));
  EXPECT_TRUE(j["task"].is_null());
  EXPECT_TRUE(j["try"].is_null());
  EXPECT_EQ(j["text"], "✗ nightly/scheduled__2026-01-02T00:00:00Z run failed");
}

TEST(PayloadTest, LastLinesKeepsTheLastTwentyWholeLines) {
  TempDir dir;
  const std::string path = dir.path() + "/a.log";
  {
    std::ofstream out(path);
    for (int i = 1; i <= 30; ++i) out << "line " << i << "\n";
    out << "no newline at the end";
  }
  auto lines = LastLines(path, 20);
  ASSERT_EQ(lines.size(), 20u);
  EXPECT_EQ(lines.front(), "line 12");
  EXPECT_EQ(lines.back(), "no newline at the end");
  EXPECT_TRUE(LastLines(dir.path() + "/absent.log", 20).empty());
  EXPECT_TRUE(LastLines("", 20).empty());
}

TEST(PayloadTest, LastLinesOfAnAttemptLogAreTheTasksOutput) {
  TempDir dir;
  const std::string path = dir.path() + "/a.1.log";
  {
    std::ofstream out(path);
    out << "2026-12-06T05:53:35.720641Z out| fetching\n"
        << "2026-12-06T05:53:35.720700Z err| vendor: 503 | retry later\n"
        << "2026-12-06T05:53:35.730000Z sluice| exit code 3\n";
  }
  EXPECT_EQ(LastLines(path, 20),
            (std::vector<std::string>{"fetching", "vendor: 503 | retry later"}));
}

TEST(PayloadTest, LastLinesOfAHugeLogDropsTheCutLine) {
  TempDir dir;
  const std::string path = dir.path() + "/big.log";
  {
    std::ofstream out(path);
    out << std::string(200000, 'x') << "\nend 1\nend 2\n";
  }
  EXPECT_EQ(LastLines(path, 20), (std::vector<std::string>{"end 1", "end 2"}));
}

}  // namespace
}  // namespace sluice::notify
