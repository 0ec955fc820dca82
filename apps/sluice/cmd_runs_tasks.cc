// sluice runs list | tasks list | tasks logs | tasks clear | tasks mark | tasks kill
#include <iostream>

#include "commands.h"
#include "control/clear.h"
#include "control/kill.h"
#include "control/mark.h"
#include "control/run_lookup.h"
#include "util/file.h"

namespace sluice::cli {
namespace {

void ListRuns(Invocation& inv, const std::string& dag, const std::string& state) {
  RunFilter filter;
  if (!dag.empty()) filter.dag_id = dag;
  if (!state.empty()) {
    auto s = ParseRunState(state);
    if (!s) {
      return void(inv.exit_code =
                      ReportError(Status::Invalid("unknown run state '" + state +
                                                  "' (use queued, running, success or failed)")));
    }
    filter.state = *s;
  }
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  auto runs = session->store->ListRuns(filter);
  if (!runs.ok()) return void(inv.exit_code = ReportError(runs.status()));
  if (inv.flags.output == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : *runs) {
      rows.push_back({{"dag", r.dag_id},
                      {"run_id", r.run_id},
                      {"state", RunStateName(r.state)},
                      {"logical_date", JsonTime(r.logical_date)},
                      {"start", JsonTime(r.start)},
                      {"end", JsonTime(r.end)}});
    }
    return PrintJson(rows);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *runs) {
    rows.push_back({r.dag_id, r.run_id, RunStateName(r.state), TableTime(r.logical_date),
                    TableTime(r.start), TableTime(r.end)});
  }
  PrintTable({"DAG", "RUN", "STATE", "LOGICAL_DATE", "START", "END"}, rows);
}

void ListTasks(Invocation& inv, const std::string& dag, const std::string& run) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  auto rec = control::FindRun(*session->store, dag, run);
  if (!rec.ok()) return void(inv.exit_code = ReportError(rec.status()));
  auto tis = session->store->ListTaskInstances(dag, run);
  if (!tis.ok()) return void(inv.exit_code = ReportError(tis.status()));
  if (inv.flags.output == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& t : *tis) {
      rows.push_back({{"task", t.task_id},
                      {"map_index", t.map_index ? nlohmann::json(*t.map_index) : nlohmann::json()},
                      {"state", TaskStateName(t.state)},
                      {"tries", t.try_number},
                      {"start", JsonTime(t.start)},
                      {"end", JsonTime(t.end)}});
    }
    return PrintJson(rows);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : *tis) {
    rows.push_back({t.task_id, TaskStateName(t.state), std::to_string(t.try_number),
                    TableTime(t.start), TableTime(t.end)});
  }
  PrintTable({"TASK", "STATE", "TRIES", "START", "END"}, rows);
}

void Logs(Invocation& inv, const std::string& dag, const std::string& run, const std::string& task,
          int try_number) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  auto rec = control::FindRun(*session->store, dag, run);
  if (!rec.ok()) return void(inv.exit_code = ReportError(rec.status()));
  auto attempt = control::FindAttempt(*session->store, *rec, task, try_number);
  if (!attempt.ok()) return void(inv.exit_code = ReportError(attempt.status()));
  auto text = ReadFile(attempt->log_path);
  if (!text.ok()) return void(inv.exit_code = ReportError(text.status()));
  std::cout << *text << std::flush;
}

// Prints a command's message, or reports its error.
void Finish(Invocation& inv, const Result<std::string>& message) {
  if (!message.ok()) return void(inv.exit_code = ReportError(message.status()));
  std::cout << *message << std::endl;
}

void Clear(Invocation& inv, const std::string& dag, const std::string& run, const std::string& task,
           bool downstream) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  Finish(inv, control::Clear(session->ctx(), dag, run, task, downstream));
}

void Mark(Invocation& inv, const std::string& dag, const std::string& run, const std::string& task,
          const std::string& state) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  Finish(inv, control::Mark(session->ctx(), dag, run, task, *ParseTaskState(state)));
}

void Kill(Invocation& inv, const std::string& dag, const std::string& run,
          const std::string& task) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  Finish(inv, control::Kill(session->ctx(), dag, run, task));
}

}  // namespace

void AddRunsCommands(CLI::App& app, Invocation& inv) {
  auto* runs = app.add_subcommand("runs", "DAG runs");
  runs->require_subcommand(1);
  static std::string dag, state;
  auto* list = runs->add_subcommand("list", "Runs, newest first");
  list->add_option("--dag", dag, "only this DAG");
  list->add_option("--state", state, "queued, running, success or failed");
  AddOutputFlag(list, inv);
  list->callback([&inv] { ListRuns(inv, dag, state); });
}

void AddTasksCommands(CLI::App& app, Invocation& inv) {
  auto* tasks = app.add_subcommand("tasks", "Task instances of a run");
  tasks->require_subcommand(1);
  static std::string dag, run, task, state;
  static int try_number = 0;
  static bool downstream = false;
  auto* list = tasks->add_subcommand("list", "The tasks of a run and their states");
  list->add_option("dag", dag, "DAG id")->required();
  list->add_option("run", run, "run id (see runs list)")->required();
  AddOutputFlag(list, inv);
  list->callback([&inv] { ListTasks(inv, dag, run); });

  auto* logs = tasks->add_subcommand("logs", "The log of a task's attempt (default: the last)");
  logs->add_option("dag", dag, "DAG id")->required();
  logs->add_option("run", run, "run id (see runs list)")->required();
  logs->add_option("task", task, "task id")->required();
  logs->add_option("--try", try_number, "attempt number, 1-based")->check(CLI::PositiveNumber);
  logs->callback([&inv] { Logs(inv, dag, run, task, try_number); });

  auto* clear = tasks->add_subcommand("clear",
                                      "Run a task (and with --downstream, its "
                                      "downstream tasks) again");
  clear->add_option("dag", dag, "DAG id")->required();
  clear->add_option("run", run, "run id (see runs list)")->required();
  clear->add_option("task", task, "task id")->required();
  clear->add_flag("--downstream", downstream, "also clear every task downstream of it");
  clear->callback([&inv] { Clear(inv, dag, run, task, downstream); });

  auto* mark = tasks->add_subcommand("mark", "Set a task's state to success or failed by hand");
  mark->add_option("dag", dag, "DAG id")->required();
  mark->add_option("run", run, "run id (see runs list)")->required();
  mark->add_option("task", task, "task id")->required();
  mark->add_option("--state", state, "success or failed")
      ->required()
      ->check(CLI::IsMember({"success", "failed"}));
  mark->callback([&inv] { Mark(inv, dag, run, task, state); });

  auto* kill = tasks->add_subcommand("kill", "Stop a running task; it ends failed, not retried");
  kill->add_option("dag", dag, "DAG id")->required();
  kill->add_option("run", run, "run id (see runs list)")->required();
  kill->add_option("task", task, "task id")->required();
  kill->callback([&inv] { Kill(inv, dag, run, task); });
}

}  // namespace sluice::cli
