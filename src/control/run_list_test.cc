#include "control/run_list.h"

#include "control/control_fixture.h"
#include "control/run_lookup.h"
#include "time/time_format.h"

namespace sluice::control {
namespace {

std::string Since(const std::string& text) {
  auto t = ParseSince(text, kNow);  // 2026-01-02T03:04:05Z
  return t.ok() ? FormatIsoUtc(*t) : t.status().message();
}

TEST(ParseSinceTest, ReadsUtcDatesAndTimesAndDurationsBackFromNow) {
  EXPECT_EQ(Since("2025-03-04"), "2025-03-04T00:00:00Z");
  EXPECT_EQ(Since("2025-03-04T05:06"), "2025-03-04T05:06:00Z");
  EXPECT_EQ(Since("2025-03-04T05:06:07Z"), "2025-03-04T05:06:07Z");
  EXPECT_EQ(Since("2025-03-04T05:06:07+01:00"), "2025-03-04T04:06:07Z");
  EXPECT_EQ(Since("45s"), "2026-01-02T03:03:20Z");
  EXPECT_EQ(Since("30m"), "2026-01-02T02:34:05Z");
  EXPECT_EQ(Since("2h"), "2026-01-02T01:04:05Z");
  EXPECT_EQ(Since("3d"), "2025-12-30T03:04:05Z");
  EXPECT_EQ(Since("1h30m"), "2026-01-02T01:34:05Z");
}

TEST(ParseSinceTest, RejectsEverythingElseSayingWhatItReads) {
  const std::string use =
      "' (use a date 2025-03-04, a UTC date and time 2025-03-04T05:06:07Z, or a duration back "
      "from now: 30m, 2h, 3d)";
  for (const char* text :
       {"", "2025", "3600", "yesterday", "2h ago", "-2h", "2025-13-01", "2025-03-04T25:00", "3w"}) {
    const std::string bad = text;
    auto t = ParseSince(bad, kNow);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(t.status().message(), "invalid --since '" + bad + use);
  }
}

TEST_F(ControlTest, RunsOfAnUnknownDagAreAnErrorNotAnEmptyList) {
  const std::string run = TriggerHello();
  auto runs = ListRuns(ctx(), {.dag = "hello"});
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ(runs->front().run_id, run);

  auto unknown = ListRuns(ctx(), {.dag = "helo"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().message(), "no dag 'helo'; did you mean 'hello'?");
  unknown = ListRuns(ctx(), {.dag = "nightly"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "no dag 'nightly' in " + config_.dags_folder);
}

TEST_F(ControlTest, ADagOfTheFolderWithNoRunsYetListsNone) {
  WriteDag("quiet.yaml", "dag: quiet\ntasks:\n  a: {run: \"true\"}\n");
  auto runs = ListRuns(ctx(), {.dag = "quiet"});
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  EXPECT_TRUE(runs->empty());
}

TEST_F(ControlTest, SinceAndLimitSelectTheNewestRuns) {
  WriteDag("hello.yaml", "dag: hello\ntasks:\n  a: {run: \"true\"}\n");
  std::vector<std::string> ids;
  for (int hours : {50, 26, 1}) {
    clock_.Set(kNow - std::chrono::hours(hours));
    auto run = Trigger(ctx(), "hello", {});
    ASSERT_TRUE(run.ok()) << run.status().message();
    ids.push_back(run->run_id);
  }
  clock_.Set(kNow);
  auto names = [&](const RunListQuery& q) {
    std::vector<std::string> out;
    auto runs = ListRuns(ctx(), q);
    EXPECT_TRUE(runs.ok()) << runs.status().message();
    if (runs.ok()) {
      for (const auto& r : *runs) out.push_back(r.run_id);
    }
    return out;
  };
  EXPECT_EQ(names({.since = "2d"}), (std::vector<std::string>{ids[2], ids[1]}));
  EXPECT_EQ(names({.since = "2d", .limit = 1}), (std::vector<std::string>{ids[2]}));
  EXPECT_EQ(names({.limit = 2}), (std::vector<std::string>{ids[2], ids[1]}));
  EXPECT_EQ(names({.since = "2025-12-31"}), (std::vector<std::string>{ids[2], ids[1], ids[0]}));
  auto bad = ListRuns(ctx(), {.since = "2 days"});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ControlTest, AMissingRunSaysWhetherTheDagOrTheRunIsUnknownWithTheLikelyTypo) {
  const std::string run_id = TriggerHello();
  EXPECT_EQ(FindRun(*store_, "helo", run_id).status().message(),
            "no dag 'helo'; did you mean 'hello'?");
  EXPECT_EQ(FindRun(*store_, "zzz", run_id).status().message(), "no dag 'zzz'");
  std::string typo = run_id;
  typo.back() = typo.back() == 'Z' ? 'X' : 'Z';
  EXPECT_EQ(FindRun(*store_, "hello", typo).status().message(),
            "no run '" + typo + "' of dag 'hello'; did you mean '" + run_id + "'?");
  EXPECT_EQ(FindRun(*store_, "hello", "x").status().message(), "no run 'x' of dag 'hello'");
  EXPECT_EQ(FindRun(*store_, "hello", "x").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sluice::control
