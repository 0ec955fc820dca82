// Every kind of error a DAG file can have: its exact message and where it points.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/dag_loader.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The errors of `text`, as `dags validate` prints them, for the file "d.yaml".
std::vector<std::string> Errors(const std::string& text) {
  LoadedFile f = LoadDagText("d.yaml", text);
  std::vector<std::string> out;
  for (const Diagnostic& d : f.errors) out.push_back(d.ToString());
  if (!f.ok()) {
    EXPECT_THAT(f.dags, IsEmpty()) << "a file with errors yields no DAG";
  }
  return out;
}

TEST(DagErrorsTest, EndToEndExampleReportsEveryErrorInFileOrder) {
  EXPECT_THAT(Errors("dag: bad\n"
                     "schedule: \"61 * * * *\"\n"
                     "start: 2025-01-01\n"
                     "timezone: Mars/Base\n"
                     "tasks:\n"
                     "  a: {run: \"x\", retires: 2}\n"
                     "  b: {run: \"x\", needs: [nope]}\n"),
              ElementsAre("d.yaml:2:11: error: invalid cron expression '61 * * * *': minute 61 is "
                          "out of range 0-59",
                          "d.yaml:4:11: error: unknown time zone 'Mars/Base' (use an IANA name "
                          "such as America/New_York)",
                          "d.yaml:6:17: error: unknown key 'retires' (did you mean 'retries'?)",
                          "d.yaml:7:25: error: task 'b' needs unknown task 'nope'"));
}

TEST(DagErrorsTest, CycleIsReportedWithItsPathFromTheFirstTaskInFileOrder) {
  EXPECT_THAT(Errors("dag: cyc\n"
                     "tasks:\n"
                     "  a: {run: x, needs: [c]}\n"
                     "  b: {run: x, needs: [a]}\n"
                     "  c: {run: x, needs: [b]}\n"),
              ElementsAre("d.yaml:3:3: error: cycle in task dependencies: a -> b -> c -> a"));
  // The cycle does not include the first task: it starts at its own earliest member.
  EXPECT_THAT(Errors("dag: cyc\n"
                     "tasks:\n"
                     "  top: {run: x}\n"
                     "  y: {run: x, needs: [top, z]}\n"
                     "  z: {run: x, needs: [y]}\n"),
              ElementsAre("d.yaml:4:3: error: cycle in task dependencies: y -> z -> y"));
}

TEST(DagErrorsTest, WrongTypesPointAtTheValue) {
  EXPECT_THAT(
      Errors("dag: t\n"
             "catchup: maybe\n"
             "max_active_runs: 0\n"
             "tags: {a: 1}\n"
             "tasks:\n"
             "  a:\n"
             "    run: x\n"
             "    retries: three\n"
             "    needs: {b: 1}\n"
             "    env: [A]\n"
             "    depends_on_past: \"yes\"\n"
             "    priority: \"3\"\n"
             "    skip_exit_code: 300\n"
             "  b: {exec: [ls, [x]]}\n"),
      ElementsAre("d.yaml:2:10: error: 'catchup' must be true or false",
                  "d.yaml:3:18: error: 'max_active_runs' must be at least 1",
                  "d.yaml:4:7: error: 'tags' must be a list of strings",
                  "d.yaml:8:14: error: 'retries' must be an integer",
                  "d.yaml:9:12: error: 'needs' must be a list of task ids",
                  "d.yaml:10:10: error: 'env' must be a mapping of names to strings",
                  "d.yaml:11:22: error: 'depends_on_past' must be true or false",
                  "d.yaml:12:15: error: 'priority' must be an integer",
                  "d.yaml:13:21: error: 'skip_exit_code' must be an exit code from 0 to 255",
                  "d.yaml:14:18: error: 'exec' must be a list of strings (the argv)"));
}

TEST(DagErrorsTest, DuplicateKeysPointAtTheSecondKey) {
  EXPECT_THAT(Errors("dag: t\n"
                     "tasks:\n"
                     "  a:\n"
                     "    run: x\n"
                     "    retries: 1\n"
                     "    retries: 2\n"
                     "  a: {run: y}\n"
                     "dag: u\n"),
              ElementsAre("d.yaml:6:5: error: duplicate key 'retries' (first defined at line 5)",
                          "d.yaml:7:3: error: duplicate key 'a' (first defined at line 3)",
                          "d.yaml:8:1: error: duplicate key 'dag' (first defined at line 1)"));
}

TEST(DagErrorsTest, BadDurationsAndEnums) {
  EXPECT_THAT(
      Errors("dag: t\n"
             "sla: soon\n"
             "tasks:\n"
             "  a: {run: x, retry_delay: 5x, trigger: all_sucess, retry_backoff: linear}\n"
             "  b: {run: x, trigger: whenever}\n"),
      ElementsAre(
          "d.yaml:2:6: error: invalid duration 'soon' (use e.g. 45s, 5m, 2h, 1d, 1h30m or a "
          "number of seconds)",
          "d.yaml:4:28: error: invalid duration '5x' (use e.g. 45s, 5m, 2h, 1d, 1h30m or a "
          "number of seconds)",
          "d.yaml:4:41: error: unknown trigger rule 'all_sucess' (did you mean 'all_success'?)",
          "d.yaml:4:68: error: unknown retry_backoff 'linear' (use fixed or exponential)",
          "d.yaml:5:24: error: unknown trigger rule 'whenever' (use one of all_success, "
          "all_failed, all_done, all_skipped, one_success, one_failed, one_done, none_failed, "
          "none_failed_min_one_success, none_skipped, always)"));
}

TEST(DagErrorsTest, TaskKinds) {
  EXPECT_THAT(
      Errors("dag: t\n"
             "tasks:\n"
             "  x: {exec: [ls], run: ls}\n"
             "  y: {retries: 1}\n"
             "  z: ls\n"),
      ElementsAre("d.yaml:3:3: error: task 'x' has both 'run' and 'exec' (use exactly one)",
                  "d.yaml:4:3: error: task 'y' has no command (add 'run', 'exec' or 'sensor')",
                  "d.yaml:5:6: error: task 'z' must be a mapping of task keys (e.g. z: "
                  "{run: ./step.sh})"));
}

TEST(DagErrorsTest, KindValues) {
  EXPECT_THAT(Errors("dag: t\n"
                     "tasks:\n"
                     "  a: {run: \"  \"}\n"
                     "  b: {run: [x]}\n"
                     "  c: {run: }\n"
                     "  d: {exec: []}\n"
                     "  e: {exec: ls}\n"
                     "  f:\n"
                     "    exec:\n"
                     "  g: {exec: [ls, ~, {x: 1}]}\n"),
              ElementsAre("d.yaml:3:12: error: 'run' is empty (give the shell command to run)",
                          "d.yaml:4:12: error: 'run' must be a string",
                          "d.yaml:5:7: error: 'run' must be a string",
                          "d.yaml:6:13: error: 'exec' is empty (give the program and its "
                          "arguments)",
                          "d.yaml:7:13: error: 'exec' must be a list of strings (the argv)",
                          "d.yaml:9:5: error: 'exec' must be a list of strings (the argv)",
                          "d.yaml:10:18: error: 'exec' must be a list of strings (the argv)",
                          "d.yaml:10:21: error: 'exec' must be a list of strings (the argv)"));
}

TEST(DagErrorsTest, KindKeysOutsideTasks) {
  EXPECT_THAT(
      Errors("dag: t\n"
             "run: x\n"
             "defaults: {exec: [], exce: [ls]}\n"
             "tasks: {a: {run: x}, b: {run: y}, c: {rnu: z}}\n"),
      ElementsAre("d.yaml:2:1: error: 'run' is a task key: put it under 'defaults' to "
                  "apply it to every task, or under a task",
                  "d.yaml:3:18: error: 'exec' is empty (give the program and its "
                  "arguments)",
                  "d.yaml:3:22: error: unknown key 'exce' (did you mean 'exec'?)",
                  "d.yaml:4:35: error: task 'c' has no command (add 'run', 'exec' or 'sensor')",
                  "d.yaml:4:39: error: unknown key 'rnu' (did you mean 'run'?)"));
}

TEST(DagErrorsTest, IdsAndRequiredKeys) {
  EXPECT_THAT(Errors("description: no id\n"
                     "tasks:\n"
                     "  \"bad id\": {run: x}\n"),
              ElementsAre("d.yaml:1:1: error: missing required key 'dag' (the DAG's id, e.g. dag: "
                          "nightly_prices)",
                          "d.yaml:3:3: error: invalid task id 'bad id' (use letters, digits, '_', "
                          "'.' and '-', at most 200 characters)"));
  EXPECT_THAT(Errors("dag: a/b\n"),
              ElementsAre("d.yaml:1:1: error: missing required key 'tasks' (a mapping of task ids "
                          "to tasks)",
                          "d.yaml:1:6: error: invalid dag id 'a/b' (use letters, digits, '_', '.' "
                          "and '-', at most 200 characters)"));
  EXPECT_THAT(Errors("dag: t\ntasks:\n"),
              ElementsAre("d.yaml:2:1: error: 'tasks' is empty (a DAG needs at least one task)"));
  EXPECT_THAT(Errors("dag: t\ntasks: {}\n"),
              ElementsAre("d.yaml:2:8: error: 'tasks' is empty (a DAG needs at least one task)"));
  EXPECT_THAT(Errors("dag: t\ntasks: [a, b]\n"),
              ElementsAre("d.yaml:2:8: error: 'tasks' must be a mapping of task ids to tasks"));
  EXPECT_THAT(Errors(std::string("dag: ") + std::string(201, 'x') + "\ntasks: {a: {run: x}}\n"),
              ElementsAre("d.yaml:1:6: error: invalid dag id '" + std::string(201, 'x') +
                          "' (use letters, digits, '_', '.' and '-', at most 200 characters)"));
}

// Issue 13: a DAG id '..' put its logs outside the logs folder.
// Issue 13: a cron that never fires is an error where it is written.
TEST(DagErrorsTest, ACronThatNeverFires) {
  EXPECT_THAT(Errors("dag: t\nschedule: \"0 0 31 2 *\"\nstart: 2025-01-01\ntasks: {a: {run: x}}\n"),
              ElementsAre("d.yaml:2:11: error: invalid cron expression '0 0 31 2 *': it never "
                          "fires (no date has a day-of-month, month and day-of-week it allows)"));
  EXPECT_THAT(Errors("dag: t\nschedule: \"0 0 29 2 *\"\nstart: 2025-01-01\ntasks: {a: {run: x}}\n"),
              ElementsAre());
}

TEST(DagErrorsTest, DotAndDotDotAreNotIds) {
  EXPECT_THAT(Errors("dag: ..\ntasks:\n  .: {run: x}\n  ...: {run: x}\n  a.b: {run: x}\n"),
              ElementsAre("d.yaml:1:6: error: invalid dag id '..' ('.' and '..' name folders, not "
                          "ids; use letters, digits, '_', '.' and '-')",
                          "d.yaml:3:3: error: invalid task id '.' ('.' and '..' name folders, not "
                          "ids; use letters, digits, '_', '.' and '-')"));
  EXPECT_THAT(Errors("dag: \".\"\ntasks: {\"..\": {run: x}, \"a/b\": {run: x}}\n"),
              ElementsAre("d.yaml:1:6: error: invalid dag id '.' ('.' and '..' name folders, not "
                          "ids; use letters, digits, '_', '.' and '-')",
                          "d.yaml:2:9: error: invalid task id '..' ('.' and '..' name folders, not "
                          "ids; use letters, digits, '_', '.' and '-')",
                          "d.yaml:2:25: error: invalid task id 'a/b' (use letters, digits, '_', "
                          "'.' and '-', at most 200 characters)"));
}

TEST(DagErrorsTest, NeedsRules) {
  EXPECT_THAT(Errors("dag: t\n"
                     "tasks:\n"
                     "  fetch: {run: x}\n"
                     "  a: {run: x, needs: [a, fetch, fetch, fetc]}\n"),
              ElementsAre("d.yaml:4:23: error: task 'a' needs itself",
                          "d.yaml:4:33: error: task 'a' needs 'fetch' twice",
                          "d.yaml:4:40: error: task 'a' needs unknown task 'fetc' (did you mean "
                          "'fetch'?)"));
}

TEST(DagErrorsTest, ScheduleRules) {
  EXPECT_THAT(Errors("dag: t\n"
                     "schedule: \"@daily\"\n"
                     "tasks: {a: {run: x}}\n"),
              ElementsAre("d.yaml:2:1: error: a schedule needs 'start' (the first date to run, "
                          "e.g. start: 2025-01-02)"));
  EXPECT_THAT(Errors("dag: t\n"
                     "schedule: {cron: \"0 9 * * 1-5\", mode: sometimes, every: 5m}\n"
                     "start: 2025-13-01\n"
                     "tasks: {a: {run: x}}\n"),
              ElementsAre("d.yaml:2:11: error: 'schedule' has both 'cron' and 'every' (use "
                          "exactly one)",
                          "d.yaml:2:39: error: unknown schedule mode 'sometimes' (use interval or "
                          "trigger)",
                          "d.yaml:3:8: error: invalid date or time '2025-13-01' (use YYYY-MM-DD, "
                          "YYYY-MM-DDTHH:MM[:SS] or ISO-8601 with Z)"));
  EXPECT_THAT(Errors("dag: t\n"
                     "schedule: {cron: \"0 9 * * *\", mod: trigger}\n"
                     "start: 2025-02-01\n"
                     "end: 2025-01-01\n"
                     "tasks: {a: {run: x}}\n"),
              ElementsAre("d.yaml:2:31: error: unknown key 'mod' (did you mean 'mode'?)",
                          "d.yaml:4:6: error: 'end' is before 'start'"));
}

TEST(DagErrorsTest, UnknownKeys) {
  EXPECT_THAT(Errors("dag: t\n"
                     "shedule: \"@daily\"\n"
                     "retries: 3\n"
                     "zzz: 1\n"
                     "defaults: {retires: 1}\n"
                     "tasks: {a: {run: x}, b: {run: x}}\n"),
              ElementsAre("d.yaml:2:1: error: unknown key 'shedule' (did you mean 'schedule'?)",
                          "d.yaml:3:1: error: 'retries' is a task key: put it under 'defaults' to "
                          "apply it to every task, or under a task",
                          "d.yaml:4:1: error: unknown key 'zzz'",
                          "d.yaml:5:12: error: unknown key 'retires' (did you mean 'retries'?)"));
}

TEST(DagErrorsTest, BadDefaultIsReportedOnceNotPerTask) {
  EXPECT_THAT(Errors("dag: t\n"
                     "defaults: {timeout: forever}\n"
                     "tasks: {a: {run: x}, b: {run: x}}\n"),
              ElementsAre("d.yaml:2:21: error: invalid duration 'forever' (use e.g. 45s, 5m, 2h, "
                          "1d, 1h30m or a number of seconds)"));
}

TEST(DagErrorsTest, UnknownTemplateVariablesPointInsideTheString) {
  EXPECT_THAT(Errors("dag: t\n"
                     "params: {root: /data}\n"
                     "tasks:\n"
                     "  a:\n"
                     "    run: echo {{ dss }} {{ params.rot }}\n"
                     "  b:\n"
                     "    exec: [ls, \"{{ds}}/{{ task }}\"]\n"
                     "    env: {X: \"{{ ds\"}\n"
                     "    cwd: |\n"
                     "      /x/{{ y }}\n"),
              ElementsAre("d.yaml:5:15: error: unknown template variable 'dss' (did you mean "
                          "'ds'?)",
                          "d.yaml:5:25: error: unknown template variable 'params.rot' (did you "
                          "mean 'params.root'?)",
                          "d.yaml:7:24: error: unknown template variable 'task'",
                          "d.yaml:8:15: error: unclosed '{{' (write {{ name }}, e.g. {{ ds }})",
                          // A block scalar is not one line of source: yaml-cpp's own mark.
                          "d.yaml:9:10: error: unknown template variable 'y'"));
}

TEST(DagErrorsTest, YamlSyntaxErrorUsesTheParserLocation) {
  EXPECT_THAT(Errors("dag: t\n"
                     "tasks: [a\n"
                     "x: 1\n"),
              ElementsAre("d.yaml:3:2: error: end of sequence flow not found"));
}

// yaml-cpp 0.7 alone never returns on this input (found by the dag_yaml fuzzer): the loader
// must report it, not hang the scheduler that polls the folder.
TEST(DagErrorsTest, AStrayCommaBeforeTheDocumentIsAnErrorNotAHang) {
  EXPECT_THAT(Errors(",[{\"dag\": \"j\", \"tasks\": {\"a\": {\"run\": \"x\"}}}]\n"),
              ElementsAre("d.yaml:1:1: error: invalid YAML: unexpected character where a "
                          "document should start"));
  EXPECT_THAT(Errors(","), ElementsAre("d.yaml:1:1: error: invalid YAML: unexpected character "
                                       "where a document should start"));
  // After a first document too: such a file is not the plain shape that skips the check.
  EXPECT_THAT(Errors("j # c\n, b\n"),
              ElementsAre("d.yaml:2:1: error: invalid YAML: unexpected character where a "
                          "document should start"));
  // A line at column 0 that cannot start a key ends the plain shape; these throw instead.
  EXPECT_THAT(Errors("dag: j\n\"t\" ,\n"), ElementsAre("d.yaml:2:1: error: end of map not found"));
  EXPECT_THAT(Errors("dag: [1]]\n"), ElementsAre("d.yaml:1:9: error: illegal flow end"));
}

TEST(DagErrorsTest, NotAMappingAndEmptyFiles) {
  EXPECT_THAT(Errors("- dag: t\n"),
              ElementsAre("d.yaml:1:1: error: a DAG spec must be a mapping with at least 'dag' "
                          "and 'tasks'"));
  EXPECT_THAT(Errors("just text\n"),
              ElementsAre("d.yaml:1:1: error: a DAG spec must be a mapping with at least 'dag' "
                          "and 'tasks'"));
  EXPECT_THAT(Errors("# nothing here\n"),
              ElementsAre("d.yaml:1:1: error: the file defines no DAG (expected a mapping with "
                          "'dag' and 'tasks')"));
}

TEST(DagErrorsTest, InvalidUtf8) {
  EXPECT_THAT(Errors("dag: t\ndescription: caf\xe9\n"),
              ElementsAre("d.yaml:2:17: error: the file is not valid UTF-8"));
}

TEST(DagErrorsTest, ParamNamesAndDuplicateDagInOneFile) {
  EXPECT_THAT(Errors("dag: t\n"
                     "params: {a-b: 1}\n"
                     "tasks: {a: {run: x}}\n"
                     "---\n"
                     "dag: t\n"
                     "tasks: {a: {run: x}}\n"),
              ElementsAre("d.yaml:2:10: error: invalid param name 'a-b' (use letters, digits "
                          "and '_')",
                          "d.yaml:5:6: error: dag 't' is already defined at line 1"));
}

}  // namespace
}  // namespace sluice
