// sluice runs list | tasks list | tasks logs | tasks clear
#include <iostream>

#include "commands.h"
#include "scheduler/dag_graph.h"
#include "scheduler/run_builder.h"
#include "util/file.h"

namespace sluice::cli {
namespace {

void ListRuns(Invocation& inv, const std::string& dag, const std::string& state) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
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
  auto store = OpenStore(*config);
  if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
  auto runs = (*store)->ListRuns(filter);
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

Result<std::unique_ptr<Store>> StoreWithRun(const Config& config, const std::string& dag,
                                            const std::string& run) {
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(config));
  SLUICE_ASSIGN_OR_RETURN(auto rec, store->GetRun(dag, run));
  if (!rec) return Status::NotFound("no run '" + run + "' of dag '" + dag + "'");
  return store;
}

void ListTasks(Invocation& inv, const std::string& dag, const std::string& run) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  auto store = StoreWithRun(*config, dag, run);
  if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
  auto tis = (*store)->ListTaskInstances(dag, run);
  if (!tis.ok()) return void(inv.exit_code = ReportError(tis.status()));
  if (inv.flags.output == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& t : *tis) {
      rows.push_back({{"task", t.task_id},
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
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  auto store = StoreWithRun(*config, dag, run);
  if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
  auto attempts = (*store)->ListAttempts(dag, run, task);
  if (!attempts.ok()) return void(inv.exit_code = ReportError(attempts.status()));
  if (attempts->empty()) {
    return void(inv.exit_code = ReportError(Status::NotFound("task '" + task + "' of run '" + run +
                                                             "' has no attempts yet")));
  }
  const AttemptRecord* chosen = &attempts->back();
  if (try_number > 0) {
    chosen = nullptr;
    for (const auto& a : *attempts) {
      if (a.try_number == try_number) chosen = &a;
    }
    if (!chosen) {
      return void(inv.exit_code = ReportError(Status::NotFound(
                      "task '" + task + "' has no try " + std::to_string(try_number) +
                      " (tries: 1-" + std::to_string(attempts->back().try_number) + ")")));
    }
  }
  auto text = ReadFile(chosen->log_path);
  if (!text.ok()) return void(inv.exit_code = ReportError(text.status()));
  std::cout << *text << std::flush;
}

void Clear(Invocation& inv, const std::string& dag_id, const std::string& run,
           const std::string& task, bool downstream) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  auto store = StoreWithRun(*config, dag_id, run);
  if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
  auto rec = (*store)->GetRun(dag_id, run);
  auto version = (*store)->GetDagVersion(dag_id, (*rec)->dag_hash);
  if (!version.ok() || !*version) {
    return void(inv.exit_code = ReportError(Status::Internal("the run's dag version is missing")));
  }
  auto spec = DagFromJson((*version)->spec_json);
  if (!spec.ok()) return void(inv.exit_code = ReportError(spec.status()));
  auto graph = DagGraph::Build(*spec);
  if (!graph.ok()) return void(inv.exit_code = ReportError(graph.status()));
  if ((*graph)->IndexOf(task) < 0) {
    return void(inv.exit_code = ReportError(
                    Status::NotFound("dag '" + dag_id + "' has no task '" + task + "'")));
  }
  if (SchedulerRunning(*config)) {
    auto done = SendCommand(
        **store, "clear",
        {{"dag", dag_id}, {"run", run}, {"task", task}, {"downstream", downstream}}, true);
    if (!done.ok()) return void(inv.exit_code = ReportError(done.status()));
    if (done->state != "done") {
      return void(inv.exit_code = ReportError(Status::Precondition(done->result)));
    }
    std::cout << done->result << std::endl;
    return;
  }
  std::vector<std::string> cleared;
  auto batch = PlanClear(**store, **graph, run, task, downstream, SystemClock().Now(), &cleared);
  if (!batch.ok()) return void(inv.exit_code = ReportError(batch.status()));
  Status st = (*store)->Apply(*batch);
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  std::string list;
  for (const auto& id : cleared) list += (list.empty() ? "" : ", ") + id;
  std::cout << "cleared " << cleared.size() << " task(s): " << list
            << "; they run when a scheduler is running" << std::endl;
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
  static std::string dag, run, task;
  static int try_number = 0;
  static bool downstream = false;
  auto* list = tasks->add_subcommand("list", "The tasks of a run and their states");
  list->add_option("dag", dag)->required();
  list->add_option("run", run)->required();
  AddOutputFlag(list, inv);
  list->callback([&inv] { ListTasks(inv, dag, run); });

  auto* logs = tasks->add_subcommand("logs", "The log of a task's attempt (default: the last)");
  logs->add_option("dag", dag)->required();
  logs->add_option("run", run)->required();
  logs->add_option("task", task)->required();
  logs->add_option("--try", try_number, "attempt number, 1-based")->check(CLI::PositiveNumber);
  logs->callback([&inv] { Logs(inv, dag, run, task, try_number); });

  auto* clear = tasks->add_subcommand("clear",
                                      "Run a task (and with --downstream, its "
                                      "downstream tasks) again");
  clear->add_option("dag", dag)->required();
  clear->add_option("run", run)->required();
  clear->add_option("task", task)->required();
  clear->add_flag("--downstream", downstream, "also clear every task downstream of it");
  clear->callback([&inv] { Clear(inv, dag, run, task, downstream); });
}

}  // namespace sluice::cli
