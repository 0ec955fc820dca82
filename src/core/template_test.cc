#include "core/template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "time/time_format.h"

namespace sluice {
namespace {

using ::testing::IsEmpty;

TimePoint T(const char* iso) { return *ParseTimePoint(iso, TimeZone::Utc()); }

DagSpec Dag() {
  DagSpec dag;
  dag.id = "prices";
  dag.timezone = "America/New_York";
  dag.params = {{"root", "/data"}, {"day", "x"}};
  return dag;
}

RunContextInput NewYorkRun() {
  RunContextInput run;
  run.run_id = "scheduled__2025-01-03T02:30:00Z";
  // 21:30 on Jan 2 in New York: `ds` is the local date, not the UTC one.
  run.logical_date = T("2025-01-03T02:30:00Z");
  run.data_interval_start = T("2025-01-03T02:30:00Z");
  run.data_interval_end = T("2025-01-04T02:30:00.250000Z");
  return run;
}

std::vector<std::pair<size_t, std::string>> Problems(std::string_view text) {
  std::vector<std::pair<size_t, std::string>> out;
  for (auto& p : CheckTemplate(text, Dag())) out.emplace_back(p.offset, p.message);
  return out;
}

TEST(TemplateTest, CheckAcceptsKnownNamesWithOrWithoutSpaces) {
  EXPECT_THAT(Problems("plain text"), IsEmpty());
  EXPECT_THAT(Problems("{{ds}} {{  ts  }} {{ params.root }} {{try_number}} } { }}"), IsEmpty());
  for (const auto& name : BuiltinTemplateVariables()) {
    EXPECT_THAT(Problems("{{ " + name + " }}"), IsEmpty()) << name;
  }
}

TEST(TemplateTest, CheckReportsEveryUnknownNameWithItsOffset) {
  using P = std::pair<size_t, std::string>;
  EXPECT_THAT(Problems("echo {{ dss }} {{ params.rot }} {{ params.nope }}"),
              ::testing::ElementsAre(
                  P{5, "unknown template variable 'dss' (did you mean 'ds'?)"},
                  P{15, "unknown template variable 'params.rot' (did you mean 'params.root'?)"},
                  P{32, "unknown template variable 'params.nope'"}));
}

TEST(TemplateTest, CheckReportsSyntaxErrors) {
  using P = std::pair<size_t, std::string>;
  EXPECT_THAT(Problems("a {{ ds }} b {{ ds"),
              ::testing::ElementsAre(P{13, "unclosed '{{' (write {{ name }}, e.g. {{ ds }})"}));
  EXPECT_THAT(Problems("{{ }}"),
              ::testing::ElementsAre(
                  P{0, "empty template expression '{{ }}' (write {{ name }}, e.g. {{ ds }})"}));
  EXPECT_THAT(Problems("x{{ ds | upper }}"),
              ::testing::ElementsAre(P{1,
                                       "unknown template filter in '{{ ds | upper }}' (the only "
                                       "filter is 'raw': {{ name | raw }})"}));
  EXPECT_THAT(Problems("{{ | raw }}"),
              ::testing::ElementsAre(P{0,
                                       "invalid template expression '{{ | raw }}' (only "
                                       "{{ name }} and {{ name | raw }} are supported, e.g. "
                                       "{{ ds }})"}));
  EXPECT_THAT(Problems("{{ params.root | raw }} {{ds|raw}}"), IsEmpty());
  EXPECT_THAT(Problems("{{ params.rot | raw }}"),
              ::testing::ElementsAre(
                  P{0, "unknown template variable 'params.rot' (did you mean 'params.root'?)"}));
}

TEST(TemplateTest, ShellQuoteMakesOneWord) {  // core/shell_quote.h
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("2025-01-02"), "'2025-01-02'");
  EXPECT_EQ(ShellQuote("x; touch pwned"), "'x; touch pwned'");
  EXPECT_EQ(ShellQuote(R"(it's $(id) `id` \ "q")"), R"('it'\''s $(id) `id` \ "q"')");
}

// Issue 13: a value in a `run` command is data, never code; `raw` trusts only the DAG file.
TEST(TemplateTest, ShellRenderingQuotesEachValueUnlessRawAndFromTheDagFile) {
  RunContextInput run = NewYorkRun();
  run.param_overrides = {{"day", "$(touch pwned)"}};
  auto ctx = MakeTemplateContext(Dag(), run, "fetch", 1);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->from_trigger, (std::set<std::string>{"params.day"}));
  EXPECT_EQ(*RenderShellTemplate("ls {{ params.root }}/{{ds}} {{ params.day }}", *ctx),
            "ls '/data'/'2025-01-02' '$(touch pwned)'");
  EXPECT_EQ(*RenderShellTemplate("ls {{ params.root | raw }} {{ params.day | raw }}", *ctx),
            "ls /data '$(touch pwned)'");
  // Inside the command's own quotes the value is escaped for them instead (shell_quote.h).
  EXPECT_EQ(*RenderShellTemplate(R"(echo "{{ ds }}" '{{ params.day }}')", *ctx),
            R"(echo "2025-01-02" '$(touch pwned)')");
  EXPECT_EQ(*RenderShellTemplate(R"(echo "{{ params.day }}")", *ctx),
            R"x(echo "\$(touch pwned)")x");
  EXPECT_EQ(*RenderTemplate("ls {{ params.root }} {{ params.day | raw }}", *ctx),
            "ls /data $(touch pwned)");
  EXPECT_EQ(RenderShellTemplate("{{ dss }}", *ctx).status().message(),
            "unknown template variable 'dss' (did you mean 'ds'?)");
}

TEST(TemplateTest, ContextHasEveryVariableInTheDagZone) {
  auto ctx = MakeTemplateContext(Dag(), NewYorkRun(), "fetch", 2);
  ASSERT_TRUE(ctx.ok()) << ctx.status().message();
  EXPECT_EQ(ctx->values, (std::map<std::string, std::string>{
                             {"ds", "2025-01-02"},
                             {"ds_nodash", "20250102"},
                             {"ts", "2025-01-03T02:30:00Z"},
                             {"logical_date", "2025-01-03T02:30:00Z"},
                             {"data_interval_start", "2025-01-03T02:30:00Z"},
                             {"data_interval_end", "2025-01-04T02:30:00.250000Z"},
                             {"run_id", "scheduled__2025-01-03T02:30:00Z"},
                             {"dag_id", "prices"},
                             {"task_id", "fetch"},
                             {"try_number", "2"},
                             {"params.root", "/data"},
                             {"params.day", "x"},
                         }));
}

TEST(TemplateTest, OverridesReplaceDeclaredParamsOnly) {
  RunContextInput run = NewYorkRun();
  run.param_overrides = {{"day", "2025-01-02"}, {"undeclared", "y"}};
  auto ctx = MakeTemplateContext(Dag(), run, "t", 1);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->values.at("params.day"), "2025-01-02");
  EXPECT_EQ(ctx->values.at("params.root"), "/data");
  EXPECT_EQ(ctx->values.count("params.undeclared"), 0u);
}

TEST(TemplateTest, ContextFailsForAnUnknownZone) {
  DagSpec dag = Dag();
  dag.timezone = "Mars/Base";
  auto ctx = MakeTemplateContext(dag, NewYorkRun(), "t", 1);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.status().message(),
            "unknown time zone 'Mars/Base' (use an IANA name such as America/New_York)");
}

TEST(TemplateTest, Render) {
  auto ctx = MakeTemplateContext(Dag(), NewYorkRun(), "fetch", 1);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(
      *RenderTemplate("ls {{params.root}}/{{ ds_nodash }}/{{ task_id }}.{{try_number}}", *ctx),
      "ls /data/20250102/fetch.1");
  EXPECT_EQ(*RenderTemplate("", *ctx), "");
  EXPECT_EQ(*RenderTemplate("no vars { } }}", *ctx), "no vars { } }}");
  auto bad = RenderTemplate("{{ dss }}", *ctx);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "unknown template variable 'dss' (did you mean 'ds'?)");
  auto unclosed = RenderTemplate("{{ ds", *ctx);
  ASSERT_FALSE(unclosed.ok());
  EXPECT_EQ(unclosed.status().message(), "unclosed '{{' (write {{ name }}, e.g. {{ ds }})");
}

TEST(TemplateTest, Environment) {
  auto ctx = MakeTemplateContext(Dag(), NewYorkRun(), "fetch", 3);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(TemplateEnvironment(*ctx),
            (std::map<std::string, std::string>{
                {"SLUICE_DS", "2025-01-02"},
                {"SLUICE_DS_NODASH", "20250102"},
                {"SLUICE_TS", "2025-01-03T02:30:00Z"},
                {"SLUICE_LOGICAL_DATE", "2025-01-03T02:30:00Z"},
                {"SLUICE_DATA_INTERVAL_START", "2025-01-03T02:30:00Z"},
                {"SLUICE_DATA_INTERVAL_END", "2025-01-04T02:30:00.250000Z"},
                {"SLUICE_RUN_ID", "scheduled__2025-01-03T02:30:00Z"},
                {"SLUICE_DAG_ID", "prices"},
                {"SLUICE_TASK_ID", "fetch"},
                {"SLUICE_TRY_NUMBER", "3"},
                {"SLUICE_PARAM_ROOT", "/data"},
                {"SLUICE_PARAM_DAY", "x"},
            }));
}

// What the scheduler computes once per run gives each attempt the same values and environment
// as computing them for that attempt alone.
TEST(TemplateTest, RunTemplateGivesWhatEachAttemptWouldGetAlone) {
  RunContextInput run = NewYorkRun();
  run.param_overrides = {{"day", "2025-01-02"}, {"undeclared", "y"}};
  auto shared = RunTemplate::Make(Dag(), run);
  ASSERT_TRUE(shared.ok()) << shared.status().message();
  for (auto [task, try_number] : {std::pair{"fetch", 1}, {"load", 1}, {"fetch", 12}}) {
    auto alone = MakeTemplateContext(Dag(), run, task, try_number);
    ASSERT_TRUE(alone.ok());
    EXPECT_EQ(shared->ForAttempt(task, try_number).values, alone->values) << task;
    EXPECT_EQ(shared->EnvironmentFor(task, try_number), TemplateEnvironment(*alone)) << task;
  }
  DagSpec dag = Dag();
  dag.timezone = "Mars/Base";
  EXPECT_EQ(RunTemplate::Make(dag, run).status().message(),
            "unknown time zone 'Mars/Base' (use an IANA name such as America/New_York)");
}

}  // namespace
}  // namespace sluice
