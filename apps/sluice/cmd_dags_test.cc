// sluice dags test DAG|FILE [--date D] [--param k=v]: one run, now, in the foreground.
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "commands.h"
#include "control/dag_lookup.h"
#include "control/params.h"
#include "control/pause.h"
#include "control/store_open.h"
#include "executor/executor.h"
#include "scheduler/abandoned_run.h"
#include "scheduler/driver.h"
#include "time/time_format.h"
#include "util/file.h"

namespace sluice::cli {
namespace {

// Serves exactly one DAG spec, once.
class OneDagSource final : public DagSource {
 public:
  explicit OneDagSource(DagSpec dag) : dag_(std::move(dag)) {}
  void Rewind() override { done_ = false; }
  std::vector<DagFileChange> Poll() override {
    if (done_) return {};
    done_ = true;
    DagFileChange c;
    c.path = dag_.file;
    c.loaded.path = dag_.file;
    c.loaded.dags.push_back(dag_);
    return {c};
  }

 private:
  DagSpec dag_;
  bool done_ = false;
};

Driver* g_test_scheduler = nullptr;
void OnSignal(int) {
  if (g_test_scheduler) g_test_scheduler->RequestStop();
}

void TestDag(Invocation& inv, const std::string& ref, const std::string& date,
             const std::vector<std::string>& params) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  Status st = MakeDirs(config->logs_dir());
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  auto store = control::OpenStore(*config);
  if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
  // A DAG id: the version the scheduler runs (the store's); a file: as it is now.
  auto dag = control::FindDag({*config, **store, SystemClock()}, ref);
  if (!dag.ok()) return void(inv.exit_code = ReportError(dag.status()));
  auto params_json = control::ParamsJson(*dag, params);
  if (!params_json.ok()) return void(inv.exit_code = ReportError(params_json.status()));
  std::optional<TimePoint> logical;
  if (!date.empty()) {
    auto zone = TimeZone::Find(dag->timezone);
    if (!zone.ok()) return void(inv.exit_code = ReportError(zone.status()));
    auto t = ParseTimePoint(date, *zone);
    if (!t.ok()) return void(inv.exit_code = ReportError(t.status().WithContext("--date")));
    logical = *t;
  }
  auto loop = EventLoop::Create(SystemClock());
  if (!loop.ok()) return void(inv.exit_code = ReportError(loop.status()));
  auto executor = CreateLocalExecutor(ExecutableDir() + "/sluice-supervisor", SystemClock(), **loop,
                                      config->logs_dir());
  if (!executor.ok()) return void(inv.exit_code = ReportError(executor.status()));
  // sluice.yaml dags_paused_on_create: a DAG new to the store is left paused after its test run
  // (the test itself runs: it is a deliberate run, in the foreground).
  auto known = (*store)->GetDag(dag->id);
  if (!known.ok()) return void(inv.exit_code = ReportError(known.status()));
  const bool pause_after = config->dags_paused_on_create && !known->has_value();
  OneDagSource source(*dag);
  DriverOptions options;
  options.planner.parallelism = config->parallelism;
  options.planner.pools = config->pools;
  options.connections = config->connections;
  options.planner.logs_dir = config->logs_dir();
  options.planner.log_max_bytes = config->log_max_bytes;
  options.planner.schedules_enabled = false;
  // Its own name, so a running scheduler never takes its claims for its own.
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  options.planner.hostname = host[0] ? host : "localhost";
  // A scheduler ends the run once this process is gone (scheduler/abandoned_run.h).
  options.planner.executor = DagsTestExecutor(options.planner.hostname, ::getpid());
  options.recover_open_runs = false;
  // `external` sensors: other DAGs' runs change in the scheduler's process, unseen here, so they
  // are read again every poke_every, on the poker's own connection.
  options.planner.external_sensors_poll = true;
  auto sensor_store = control::OpenStore(*config);
  if (!sensor_store.ok()) return void(inv.exit_code = ReportError(sensor_store.status()));
  options.sensor_store = sensor_store->get();
  options.handle_commands = false;
  options.log_progress = false;  // it prints the run's outcome itself
  options.alerts = false;        // a test run alerts no one
  options.dag_poll_interval = std::chrono::hours(24 * 365);
  Driver scheduler(options, **store, **executor, **loop, source);
  st = scheduler.Start();
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  auto run_id = scheduler.TriggerRun(dag->id, *params_json, logical);
  if (!run_id.ok()) return void(inv.exit_code = ReportError(run_id.status()));
  g_test_scheduler = &scheduler;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnSignal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  bool killing = false;
  for (;;) {
    auto state = scheduler.GetRunState(dag->id, *run_id);
    if (!state.ok()) return void(inv.exit_code = ReportError(state.status()));
    if (IsTerminal(*state)) break;
    // Ctrl-C stops the test: its running tasks get SIGTERM and are waited for.
    if (scheduler.stop_requested() && !killing) {
      st = scheduler.KillAll();
      if (!st.ok()) return void(inv.exit_code = ReportError(st));
      killing = true;
    }
    if (killing && scheduler.running_attempts() == 0) break;
    st = scheduler.Turn(std::chrono::seconds(1));
    if (!st.ok()) return void(inv.exit_code = ReportError(st));
  }
  g_test_scheduler = nullptr;
  if (pause_after) {
    st = control::SetPaused({*config, **store, SystemClock()}, dag->id, true);
    if (!st.ok()) return void(inv.exit_code = ReportError(st));
  }
  auto run = (*store)->GetRun(dag->id, *run_id);
  auto tis = (*store)->ListTaskInstances(dag->id, *run_id);
  if (!run.ok() || !*run || !tis.ok()) {
    return void(inv.exit_code = ReportError(Status::Io("cannot read the run back")));
  }
  const bool success = (*run)->state == RunState::kSuccess;
  if (inv.flags.output == "json") {
    nlohmann::json tasks = nlohmann::json::object();
    for (const auto& ti : *tis) {
      tasks[ti.task_id] = {{"state", TaskStateName(ti.state)}, {"tries", ti.try_number}};
    }
    PrintJson({{"dag", dag->id},
               {"run_id", *run_id},
               {"state", RunStateName((*run)->state)},
               {"tasks", tasks}});
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& ti : *tis) {
      rows.push_back({ti.task_id, TaskStateName(ti.state), std::to_string(ti.try_number),
                      TableTime(ti.start), TableTime(ti.end)});
    }
    PrintTable({"TASK", "STATE", "TRIES", "START", "END"}, rows);
    std::cout << "run " << *run_id << ": " << RunStateName((*run)->state) << "\n"
              << "logs: " << config->home << "/logs/" << dag->id << "/" << *run_id << "/"
              << std::endl;
  }
  inv.exit_code = success ? kExitOk : kExitFailed;
}

}  // namespace

void AddDagsTestCommand(CLI::App& dags, Invocation& inv) {
  static std::string ref, date;
  static std::vector<std::string> params;
  auto* test = dags.add_subcommand("test", "Run a DAG once, now, in the foreground");
  test->add_option("dag", ref, "DAG id or file")->required();
  test->add_option("--date", date, "logical date (YYYY-MM-DD or ISO-8601); default: now");
  test->add_option("--param", params, "NAME=VALUE, overrides a declared param");
  AddOutputFlag(test, inv);
  test->callback([&inv] { TestDag(inv, ref, date, params); });
}

}  // namespace sluice::cli
