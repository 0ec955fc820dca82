// A kind added from this file alone, as a kind built outside Sluice would be: no parser, JSON or
// dispatch code knows about it, and it still validates with FILE:LINE:COL errors, round-trips
// through a DAG version's JSON and gives the scheduler its command.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/dag_loader.h"
#include "core/task_command.h"
#include "core/template.h"
#include "sluice/operator.h"
#include "tests/testing/scoped_operator.h"
#include "time/time_format.h"
#include "time/time_zone.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// `echo: TEXT` or `echo: {text: TEXT, newline: BOOL}`: runs /bin/echo [-n] TEXT, TEXT templated.
// Its config is the map {"newline": BOOL, "text": TEXT}; it adds ECHO_KIND to the environment
// and runs in `out` (from the DAG's folder) unless the task sets `cwd`.
class EchoOperator final : public Operator {
 public:
  std::optional<Value> Validate(const SpecEntry& entry, SpecDiagnostics& diags) const override {
    const SpecNode& v = entry.value;
    if (v.type == SpecNode::Type::kScalar) {
      diags.Template(v);
      return Config(v.text, true);
    }
    if (v.type != SpecNode::Type::kMap) {
      diags.Error(v.type == SpecNode::Type::kNull ? entry.key : v,
                  "'echo' must be a string or a mapping with 'text'");
      return std::nullopt;
    }
    std::optional<std::string> text;
    bool newline = true;
    bool ok = true;
    for (const SpecEntry& e : v.entries) {
      if (e.key.text == "text") {
        if (auto s = ReadSpecString(e, diags)) {
          text = *s;
          diags.Template(e.value);
        } else {
          ok = false;
        }
      } else if (e.key.text == "newline") {
        if (e.value.type == SpecNode::Type::kScalar && !e.value.quoted &&
            (e.value.text == "true" || e.value.text == "false")) {
          newline = e.value.text == "true";
        } else {
          diags.Error(e.value, "'newline' must be true or false");
          ok = false;
        }
      } else {
        diags.Error(e.key, "unknown key '" + e.key.text + "' in 'echo' (use text or newline)");
        ok = false;
      }
    }
    if (!text && ok) {
      diags.Error(entry.key, "'echo' needs 'text'");
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
    return Config(*text, newline);
  }

  Result<ProcessCommand> BuildCommand(const Value& config,
                                      const TemplateRenderer& templates) const override {
    const Value* text = config.Find("text");
    const Value* newline = config.Find("newline");
    if (!text || !text->AsString() || !newline || !newline->AsBool()) {
      return Status::Invalid("bad 'echo' config");
    }
    SLUICE_ASSIGN_OR_RETURN(std::string rendered, templates.Render(*text->AsString()));
    ProcessCommand out;
    out.argv = {"/bin/echo"};
    if (!*newline->AsBool()) out.argv.emplace_back("-n");
    out.argv.push_back(std::move(rendered));
    out.env = {{"ECHO_KIND", "1"}, {"SHARED", "from the kind"}};
    out.cwd = "out";
    return out;
  }

  std::string Describe(const Value& config) const override {
    const Value* text = config.Find("text");
    return text && text->AsString() ? "echo " + *text->AsString() : "";
  }

 private:
  static Value Config(std::string text, bool newline) {
    return Value::FromMap({{"text", Value(std::move(text))}, {"newline", Value(newline)}});
  }
};

class OpenKindTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(echo_.status().ok()) << echo_.status().message(); }
  ScopedOperator echo_{"echo", std::make_unique<EchoOperator>()};
};

std::vector<std::string> Errors(const std::string& text) {
  LoadedFile f = LoadDagText("d.yaml", text);
  std::vector<std::string> out;
  for (const Diagnostic& d : f.errors) out.push_back(d.ToString());
  return out;
}

constexpr const char* kDag =
    "dag: greet\n"
    "params: {who: world}\n"
    "tasks:\n"
    "  hello: {echo: 'hello {{ params.who }} on {{ ds }}'}\n"
    "  quiet:\n"
    "    needs: hello\n"
    "    echo: {text: '{{ task_id }}', newline: false}\n"
    "    env: {SHARED: from the task}\n"
    "  after: {needs: quiet, run: 'true'}\n";

TEST_F(OpenKindTest, ADagUsingItValidates) {
  LoadedFile f = LoadDagText("/dags/greet.yaml", kDag);
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  const DagSpec& d = f.dags[0];
  EXPECT_EQ(d.tasks[0].kind, "echo");
  EXPECT_EQ(d.tasks[0].config,
            Value::FromMap(
                {{"newline", Value(true)}, {"text", Value("hello {{ params.who }} on {{ ds }}")}}));
  EXPECT_EQ(d.tasks[1].kind, "echo");
  EXPECT_EQ(d.tasks[1].config,
            Value::FromMap({{"newline", Value(false)}, {"text", Value("{{ task_id }}")}}));
  EXPECT_THAT(d.tasks[1].needs, ElementsAre("hello"));
  EXPECT_EQ(d.tasks[2].kind, "run");
}

TEST_F(OpenKindTest, ItsErrorsComeAtFileLineColumn) {
  EXPECT_THAT(Errors("dag: t\n"
                     "tasks:\n"
                     "  a: {echo: [x]}\n"
                     "  b: {echo: {txt: x, newline: maybe}}\n"
                     "  c: {echo: {newline: true}}\n"
                     "  d: {echo: 'hi {{ dss }}'}\n"
                     "  e: {echo: {text: 'x {{ nope }}'}}\n"
                     "  f: {echo: x, run: y}\n"
                     "  g: {retries: 1}\n"
                     "  h: {ecoh: x}\n"
                     "  i:\n"
                     "    echo:\n"),
              ElementsAre("d.yaml:3:13: error: 'echo' must be a string or a mapping with 'text'",
                          "d.yaml:4:14: error: unknown key 'txt' in 'echo' (use text or newline)",
                          "d.yaml:4:31: error: 'newline' must be true or false",
                          "d.yaml:5:7: error: 'echo' needs 'text'",
                          "d.yaml:6:17: error: unknown template variable 'dss' (did you mean "
                          "'ds'?)",
                          "d.yaml:7:23: error: unknown template variable 'nope'",
                          "d.yaml:8:3: error: task 'f' has both 'run' and 'echo' (use exactly "
                          "one)",
                          "d.yaml:9:3: error: task 'g' has no command (add 'run', 'exec', "
                          "'sensor' or 'echo')",
                          "d.yaml:10:3: error: task 'h' has no command (add 'run', 'exec', "
                          "'sensor' or 'echo')",
                          "d.yaml:10:7: error: unknown key 'ecoh' (did you mean 'echo'?)",
                          "d.yaml:12:5: error: 'echo' must be a string or a mapping with 'text'"));
}

TEST_F(OpenKindTest, ItsConfigRoundTripsThroughTheDagJson) {
  LoadedFile f = LoadDagText("/dags/greet.yaml", kDag);
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  std::string json = DagToJson(f.dags[0]);
  EXPECT_NE(json.find(R"("echo":{"newline":false,"text":"{{ task_id }}"},"env":)"),
            std::string::npos)
      << json;
  Result<DagSpec> back = DagFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, f.dags[0]);
  EXPECT_EQ(DagToJson(*back), json);
}

TEST_F(OpenKindTest, TheSchedulerGetsItsCommand) {
  LoadedFile f = LoadDagText("/dags/greet.yaml", kDag);
  ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
  const DagSpec& dag = f.dags[0];
  RunContextInput run;
  run.run_id = "manual__2025-01-02T00:00:00Z";
  run.logical_date = run.data_interval_start = run.data_interval_end =
      *ParseTimePoint("2025-01-02", TimeZone::Utc());
  auto command = [&](size_t task) {
    Result<TemplateContext> ctx = MakeTemplateContext(dag, run, dag.tasks[task].id, 1);
    EXPECT_TRUE(ctx.ok());
    return BuildTaskCommand(dag, dag.tasks[task], *ctx, {{"SLUICE_TRY_NUMBER", "1"}});
  };
  Result<ProcessCommand> hello = command(0);
  ASSERT_TRUE(hello.ok()) << hello.status().message();
  EXPECT_THAT(hello->argv, ElementsAre("/bin/echo", "hello world on 2025-01-02"));
  EXPECT_THAT(hello->env, ElementsAre(Pair("ECHO_KIND", "1"), Pair("SHARED", "from the kind"),
                                      Pair("SLUICE_TRY_NUMBER", "1")));
  EXPECT_EQ(hello->cwd, "/dags/out");
  Result<ProcessCommand> quiet = command(1);
  ASSERT_TRUE(quiet.ok()) << quiet.status().message();
  EXPECT_THAT(quiet->argv, ElementsAre("/bin/echo", "-n", "quiet"));
  // The task's own env wins over the kind's.
  EXPECT_EQ(quiet->env.at("SHARED"), "from the task");
}

TEST(OpenKindGoneTest, AStoredVersionOfAnUnknownKindIsAClearError) {
  std::string json;
  {
    ScopedOperator echo("echo", std::make_unique<EchoOperator>());
    ASSERT_TRUE(echo.status().ok());
    LoadedFile f = LoadDagText("/dags/greet.yaml", kDag);
    ASSERT_TRUE(f.ok()) << f.errors[0].ToString();
    json = DagToJson(f.dags[0]);
  }
  Result<DagSpec> back = DagFromJson(json);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().message(),
            "invalid DAG JSON: task 'hello' has unknown kind 'echo' (this program knows run, "
            "exec, sensor)");
  // And the loader no longer knows its key.
  EXPECT_THAT(
      Errors("dag: t\ntasks: {a: {echo: x}}\n"),
      ElementsAre("d.yaml:2:9: error: task 'a' has no command (add 'run', 'exec' or 'sensor')",
                  "d.yaml:2:13: error: unknown key 'echo'"));
}

}  // namespace
}  // namespace sluice
