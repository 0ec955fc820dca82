// `sensor: command` as a DAG file writes it, and the process its poke mode runs, for real: the
// /bin/sh loop with waits of milliseconds.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "core/dag_loader.h"
#include "core/operator_registry.h"
#include "core/sensor_config.h"
#include "operators/builtin.h"
#include "tests/testing/temp_dir.h"

extern char** environ;

namespace sluice {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Errors(const std::string& text) {
  LoadedFile f = LoadDagText("d.yaml", text);
  std::vector<std::string> out;
  for (const Diagnostic& d : f.errors) out.push_back(d.ToString());
  return out;
}

// Renders nothing: the tests' commands have no templates.
class Verbatim final : public TemplateRenderer {
 public:
  Result<std::string> Render(std::string_view text) const override { return std::string(text); }
  Result<std::string> RenderForShell(std::string_view text) const override {
    return std::string(text);
  }
};

TaskSpec OnlyTask(const std::string& yaml) {
  LoadedFile f = LoadDagText("/dags/d.yaml", yaml);
  EXPECT_TRUE(f.ok()) << (f.errors.empty() ? "" : f.errors[0].ToString());
  return f.ok() ? f.dags[0].tasks[0] : TaskSpec();
}

ProcessCommand Build(const TaskSpec& t) {
  Verbatim renderer;
  Result<ProcessCommand> c = FindOperator("sensor")->BuildCommand(t.config, renderer);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? *c : ProcessCommand();
}

// Runs `argv` in `dir` with stdout and stderr to `dir`/out; returns the exit code.
int RunIn(const std::vector<std::string>& argv, const std::string& dir) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = dir + "/out";
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CommandSensorTest, RunIsTheCommandAndModeSaysHowItRuns) {
  TaskSpec t = OnlyTask(
      "dag: d\ntasks:\n"
      "  wait: {sensor: command, run: 'test -s in/{{ ds }}.done', poke_every: 5s,\n"
      "         env: {A: b}, cwd: work}\n");
  EXPECT_EQ(t.kind, "sensor");
  EXPECT_EQ(t.cwd, "work");
  Result<SensorConfig> c = SensorConfig::FromValue(t.config);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->type, "command");
  EXPECT_EQ(c->config, Value::FromMap({{"run", Value("test -s in/{{ ds }}.done")}}));
  const Operator* op = FindOperator("sensor");
  EXPECT_EQ(op->run_style(t.config), RunStyle::kProcess);
  EXPECT_EQ(op->Describe(t.config), "sensor command: test -s in/{{ ds }}.done");
  EXPECT_FALSE(DeferredSensorOf(t).has_value());  // not poked by the scheduler

  t = OnlyTask("dag: d\ntasks:\n  wait: {run: 'true', sensor: command, mode: reschedule}\n");
  EXPECT_EQ(op->run_style(t.config), RunStyle::kRescheduled);
  EXPECT_EQ(Build(t).argv, (std::vector<std::string>{"/bin/sh", "-c", "true"}));
}

TEST(CommandSensorTest, ErrorsAtTheirColumn) {
  EXPECT_THAT(
      Errors("dag: t\n"
             "tasks:\n"
             "  a: {sensor: command}\n"
             "  b: {sensor: command, run: ''}\n"
             "  c: {sensor: command, run: x, path: y}\n"
             "  d: {sensor: file, path: x, run: y}\n"
             "  e: {sensor: command, run: 'echo {{ dss }}'}\n"
             "  f: {sensor: command, run: [a, b]}\n"),
      ElementsAre("d.yaml:3:7: error: a 'command' sensor needs 'run' (a shell command "
                  "that exits 0 when met)",
                  "d.yaml:4:29: error: 'run' is empty (give the shell command that exits "
                  "0 when met)",
                  "d.yaml:5:32: error: unknown key 'path' (sensor: command takes run)",
                  "d.yaml:6:30: error: unknown key 'run' (sensor: file takes path, min_size or "
                  "stable_for)",
                  "d.yaml:7:35: error: unknown template variable 'dss' (did you mean "
                  "'ds'?)",
                  "d.yaml:8:29: error: 'run' must be a string"));
}

TEST(CommandSensorTest, PokeModeIsAShellLoopWithTheWaitsAsArguments) {
  TaskSpec t = OnlyTask(
      "dag: d\ntasks:\n"
      "  wait: {sensor: command, run: 'test -s x', poke_every: 1500ms,\n"
      "         poke_backoff: exponential, max_poke_every: 1m}\n");
  ProcessCommand c = Build(t);
  ASSERT_EQ(c.argv.size(), 8u);
  EXPECT_EQ(c.argv[0], "/bin/sh");
  EXPECT_EQ(c.argv[1], "-c");
  EXPECT_EQ(std::vector<std::string>(c.argv.begin() + 3, c.argv.end()),
            (std::vector<std::string>{"sluice-command-sensor", "test -s x", "1500", "exponential",
                                      "60000"}));
  // Without max_poke_every a wait is a day at most, as PokeInterval's.
  c = Build(OnlyTask("dag: d\ntasks:\n  w: {sensor: command, run: 'true'}\n"));
  EXPECT_EQ(std::vector<std::string>(c.argv.begin() + 5, c.argv.end()),
            (std::vector<std::string>{"60000", "fixed", "86400000"}));
}

TEST(CommandSensorTest, TheLoopPokesUntilTheCommandExitsZeroAndLogsEachPoke) {
  TempDir dir;
  // Exits 0 at its third run; waits of 1ms, 2ms, then capped at 3ms.
  TaskSpec t = OnlyTask(
      "dag: d\ntasks:\n"
      "  wait: {sensor: command, run: 'echo run >> runs; test $(wc -l < runs) -ge 3',\n"
      "         poke_every: 1ms, poke_backoff: exponential, max_poke_every: 3ms}\n");
  EXPECT_EQ(RunIn(Build(t).argv, dir.path()), 0);
  EXPECT_EQ(Read(dir.path() + "/out"),
            "poke 1: exit 1, next poke in 0.001s\n"
            "poke 2: exit 1, next poke in 0.002s\n"
            "poke 3: exit 0, met\n");
  EXPECT_EQ(Read(dir.path() + "/runs"), "run\nrun\nrun\n");

  // A fixed wait of whole seconds is written as such; the command's output is kept.
  t = OnlyTask("dag: d\ntasks:\n  w: {sensor: command, run: 'echo hi; exit 0', poke_every: 2s}\n");
  EXPECT_EQ(RunIn(Build(t).argv, dir.path()), 0);
  EXPECT_EQ(Read(dir.path() + "/out"), "hi\npoke 1: exit 0, met\n");
}

}  // namespace
}  // namespace sluice
