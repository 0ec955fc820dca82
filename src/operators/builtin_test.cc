// The built-in kinds as the scheduler sees them: registered in order, and the command each
// builds for an attempt (what the executor starts), with the task's env and cwd applied.

#include "operators/builtin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/dag_loader.h"
#include "core/operator_registry.h"
#include "core/task_command.h"
#include "core/template.h"
#include "time/time_format.h"
#include "time/time_zone.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// The template values of one attempt, as the scheduler computes them.
TemplateContext Context(const DagSpec& dag) {
  RunContextInput run;
  run.run_id = "manual__2025-01-02T00:00:00Z";
  run.logical_date = run.data_interval_start = run.data_interval_end =
      *ParseTimePoint("2025-01-02", TimeZone::Utc());
  Result<TemplateContext> ctx = MakeTemplateContext(dag, run, dag.tasks.at(0).id, 2);
  EXPECT_TRUE(ctx.ok()) << ctx.status().message();
  return ctx.ok() ? *ctx : TemplateContext();
}

DagSpec Load(const std::string& text) {
  LoadedFile f = LoadDagText("/dags/d.yaml", text);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.errors[0].ToString());
  return f.ok() ? f.dags[0] : DagSpec();
}

Result<ProcessCommand> Command(const DagSpec& dag, std::map<std::string, std::string> env = {}) {
  return BuildTaskCommand(dag, dag.tasks.at(0), Context(dag), std::move(env));
}

TEST(BuiltinOperatorsTest, RegisteredOnceInOrder) {
  // The test main registered them; a second call changes nothing.
  EXPECT_TRUE(RegisterBuiltinOperators().ok());
  EXPECT_THAT(OperatorKinds(), ElementsAre("run", "exec", "sensor"));
  EXPECT_EQ(QuotedKinds(), "'run', 'exec' or 'sensor'");
}

TEST(BuiltinOperatorsTest, RunIsAShellCommand) {
  DagSpec dag = Load("dag: d\ntasks:\n  a: {run: 'echo {{ ds }} try {{ try_number }} | wc'}\n");
  Result<ProcessCommand> c = Command(dag, {{"SLUICE_DS", "2025-01-02"}});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_THAT(c->argv, ElementsAre("/bin/sh", "-c", "echo '2025-01-02' try '2' | wc"));
  EXPECT_THAT(c->env, ElementsAre(Pair("SLUICE_DS", "2025-01-02")));
  EXPECT_EQ(c->cwd, "/dags");
  EXPECT_EQ(FindOperator("run")->Describe(dag.tasks[0].config),
            "echo {{ ds }} try {{ try_number }} | wc");
}

TEST(BuiltinOperatorsTest, ExecIsAnArgvWithoutShell) {
  DagSpec dag = Load(
      "dag: d\nparams: {root: /data}\n"
      "tasks:\n"
      "  a:\n"
      "    exec: [./fetch, '{{ params.root }}/{{ ds_nodash }}', 'a b']\n"
      "    env: {SLUICE_DS: mine, OUT: '{{ task_id }}'}\n"
      "    cwd: work/{{ ds }}\n");
  Result<ProcessCommand> c = Command(dag, {{"SLUICE_DS", "2025-01-02"}, {"KEEP", "1"}});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_THAT(c->argv, ElementsAre("./fetch", "/data/20250102", "a b"));
  // The task's own env wins over the attempt's variables.
  EXPECT_THAT(c->env, ElementsAre(Pair("KEEP", "1"), Pair("OUT", "a"), Pair("SLUICE_DS", "mine")));
  EXPECT_EQ(c->cwd, "/dags/work/2025-01-02");
  EXPECT_EQ(FindOperator("exec")->Describe(dag.tasks[0].config),
            "./fetch {{ params.root }}/{{ ds_nodash }} a b");
}

// Issue 13: `--param 'region=x; touch pwned'` ran `touch`. A value is data in `run`;
// `raw` opts out for the DAG's own values but not for one given at trigger time.
TEST(BuiltinOperatorsTest, RunQuotesEachValueAndRawOnlyTrustsTheDagFile) {
  DagSpec dag = Load(
      "dag: d\nparams: {region: eu, filter: 'a | b'}\ntasks:\n"
      "  a: {run: 'fetch {{ params.region }} && grep {{ params.filter | raw }}'}\n");
  EXPECT_THAT(Command(dag)->argv, ElementsAre("/bin/sh", "-c", "fetch 'eu' && grep a | b"));

  RunContextInput run;
  run.run_id = "manual__2025-01-02T00:00:00Z";
  run.param_overrides = {{"region", "x; touch pwned"}, {"filter", "y'; touch pwned; '"}};
  Result<TemplateContext> ctx = MakeTemplateContext(dag, run, "a", 1);
  ASSERT_TRUE(ctx.ok());
  Result<ProcessCommand> c = BuildTaskCommand(dag, dag.tasks[0], *ctx, {});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_THAT(c->argv, ElementsAre("/bin/sh", "-c",
                                   R"(fetch 'x; touch pwned' && grep 'y'\''; touch pwned; '\''')"));
}

// exec stays an argv: a value is one element, never quoted; `raw` changes nothing there.
TEST(BuiltinOperatorsTest, ExecAndEnvAreNotQuoted) {
  DagSpec dag = Load(
      "dag: d\nparams: {region: eu}\ntasks:\n"
      "  a: {exec: [echo, '{{ params.region }}', '{{ params.region | raw }}'], "
      "env: {R: '{{ params.region }}'}}\n");
  RunContextInput run;
  run.run_id = "manual__2025-01-02T00:00:00Z";
  run.param_overrides = {{"region", "x; y"}};
  Result<TemplateContext> ctx = MakeTemplateContext(dag, run, "a", 1);
  ASSERT_TRUE(ctx.ok());
  Result<ProcessCommand> c = BuildTaskCommand(dag, dag.tasks[0], *ctx, {});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_THAT(c->argv, ElementsAre("echo", "x; y", "x; y"));
  EXPECT_THAT(c->env, ElementsAre(Pair("R", "x; y")));
}

TEST(BuiltinOperatorsTest, AbsoluteCwdAndAFileWithoutFolder) {
  DagSpec dag = Load("dag: d\ntasks: {a: {run: x, cwd: /srv}}\n");
  EXPECT_EQ(Command(dag)->cwd, "/srv");
  dag.file = "d.yaml";
  dag.tasks[0].cwd = "";
  EXPECT_EQ(Command(dag)->cwd, ".");
}

TEST(BuiltinOperatorsTest, ATemplateThatDoesNotRenderFailsTheAttempt) {
  // Validation rules this out for a loaded DAG; a stored version read back can still have it.
  DagSpec dag = Load("dag: d\ntasks: {a: {exec: [ls, '{{ ds }}']}}\n");
  dag.tasks[0].config = Value::FromList({Value("ls"), Value("{{ params.gone }}")});
  Result<ProcessCommand> c = Command(dag);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "unknown template variable 'params.gone'");
  dag.tasks[0].config = Value::FromList({Value("ls")});
  dag.tasks[0].env = {{"X", "{{ nope"}};
  EXPECT_EQ(Command(dag).status().message(), "unclosed '{{' (write {{ name }}, e.g. {{ ds }})");
}

TEST(BuiltinOperatorsTest, AConfigOfTheWrongShapeIsAnErrorNotACrash) {
  DagSpec dag = Load("dag: d\ntasks: {a: {run: x}}\n");
  dag.tasks[0].config = Value::FromList({Value("x")});
  EXPECT_EQ(Command(dag).status().message(), "a 'run' task's config must be a string");
  dag.tasks[0].kind = "exec";
  dag.tasks[0].config = Value("x");
  EXPECT_EQ(Command(dag).status().message(),
            "an 'exec' task's config must be a list of strings, not empty");
  dag.tasks[0].config = Value::FromList({Value(3)});
  EXPECT_EQ(Command(dag).status().message(), "an 'exec' task's config must be a list of strings");
  dag.tasks[0].kind = "http";
  EXPECT_EQ(Command(dag).status().message(), "task 'a' has unknown kind 'http'");
}

TEST(BuiltinOperatorsTest, KindNamesAreCheckedAtRegistration) {
  auto run = [] { return MakeRunOperator(); };
  Status taken = RegisterOperator("run", run());
  EXPECT_EQ(taken.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(taken.message(), "task kind 'run' is already registered");
  EXPECT_EQ(RegisterOperator("Shell", run()).message(),
            "invalid task kind name 'Shell' (use [a-z][a-z0-9_]*, at most 64 characters)");
  EXPECT_EQ(RegisterOperator("", run()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RegisterOperator("retries", run()).message(),
            "task kind name 'retries' is taken by a task key");
  EXPECT_EQ(RegisterOperator("location", run()).message(),
            "task kind name 'location' is taken by a task key");
  EXPECT_EQ(RegisterOperator("shell", nullptr).message(), "task kind 'shell' has no operator");
  EXPECT_THAT(OperatorKinds(), ElementsAre("run", "exec", "sensor"));
}

}  // namespace
}  // namespace sluice
