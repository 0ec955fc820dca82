// sluice scheduler | standalone: the event loop with the local executor, until SIGINT/SIGTERM.
#include <signal.h>
#include <unistd.h>

#include <cstring>

#include "api_server.h"
#include "commands.h"
#include "control/scheduler_lock.h"
#include "control/store_open.h"
#include "executor/executor.h"
#include "notify/delivery_worker.h"
#include "scheduler/driver.h"
#include "util/file.h"
#include "util/log.h"

namespace sluice::cli {
namespace {

Driver* g_scheduler = nullptr;

void OnSignal(int) {
  if (g_scheduler) g_scheduler->RequestStop();
}

std::string Hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// `listen`: also serve the HTTP API there (standalone); empty: no API (scheduler).
void RunScheduler(Invocation& inv, const char* what, const std::string& listen) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  Status st = MakeDirs(config->logs_dir());
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  // One scheduler per database: the lock also tells CLI commands that someone will apply them.
  auto lock = control::SchedulerLock::Acquire(*config);
  if (!lock.ok()) return void(inv.exit_code = ReportError(lock.status()));
  auto store = control::OpenStore(*config);
  if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
  // A damaged page found now is refused with its repair; found mid-run it would stop the loop
  // after work had started on a store that cannot hold it.
  st = (*store)->QuickCheck();
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  auto loop = EventLoop::Create(SystemClock());
  if (!loop.ok()) return void(inv.exit_code = ReportError(loop.status()));
  auto executor = CreateLocalExecutor(ExecutableDir() + "/sluice-supervisor", SystemClock(), **loop,
                                      config->logs_dir());
  if (!executor.ok()) return void(inv.exit_code = ReportError(executor.status()));
  auto source = CreateFolderDagSource(config->dags_folder, GeneratorOptions(),
                                      std::chrono::minutes(1), **loop);
  DriverOptions options;
  options.planner.parallelism = config->parallelism;
  options.planner.pools = config->pools;
  options.planner.logs_dir = config->logs_dir();
  options.planner.log_max_bytes = config->log_max_bytes;
  options.planner.dags_paused_on_create = config->dags_paused_on_create;
  options.log_retention = config->log_retention;
  options.connections = config->connections;
  options.planner.hostname = Hostname();
  // Its executor's claims carry this name; a restarted scheduler on this host takes them back.
  options.planner.executor = "local@" + options.planner.hostname;
  // `external` sensors read runs the scheduler does not hold on the poker's thread, on a
  // connection of its own (scheduler/external_waits.h).
  auto sensor_store = control::OpenStore(*config);
  if (!sensor_store.ok()) return void(inv.exit_code = ReportError(sensor_store.status()));
  options.sensor_store = sensor_store->get();
  // Its figures for /metrics (the API below reads them from its threads).
  SchedulerStats stats;
  options.stats = &stats;
  Driver scheduler(options, **store, **executor, **loop, *source);
  g_scheduler = &scheduler;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnSignal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  // Alerts go out from a thread of their own on a connection of their own: a notifier that is
  // slow or down never holds up a loop turn (src/notify/README.md).
  auto alerts_store = control::OpenStore(*config);
  if (!alerts_store.ok()) return void(inv.exit_code = ReportError(alerts_store.status()));
  notify::DeliveryThread alerts(std::move(*alerts_store),
                                notify::CreateSender(notify::ProcessEnvLookup()), config->notifiers,
                                notify::DeliveryWorkerOptions(), SystemClock());
  // The API binds before the scheduler starts, so a port in use stops us before any work.
  std::unique_ptr<api::ApiServer> server;
  if (!listen.empty()) {
    st = CreateFirstAdmin({*config, **store, SystemClock()});
    if (!st.ok()) return void(inv.exit_code = ReportError(st));
    auto started = StartApiServer(*config, listen, &stats);
    if (!started.ok()) return void(inv.exit_code = ReportError(started.status()));
    server = std::move(*started);
  }
  st = scheduler.Start();
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  SLUICE_LOG_INFO(
      "sluice {}: home {}, dags {}, parallelism {}, {} open run(s), {} attempt(s) adopted", what,
      config->home, config->dags_folder, config->parallelism, scheduler.active_runs(),
      scheduler.running_attempts());
  st = scheduler.Run();
  g_scheduler = nullptr;
  if (server) server->Stop();
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  SLUICE_LOG_INFO("sluice {}: stopped; {} attempt(s) left running under their supervisors", what,
                  scheduler.running_attempts());
}

}  // namespace

void AddSchedulerCommands(CLI::App& app, Invocation& inv) {
  app.add_subcommand("scheduler", "Run the scheduler (with the local executor)")->callback([&inv] {
    RunScheduler(inv, "scheduler", "");
  });
  auto* standalone = app.add_subcommand(
      "standalone", "Scheduler, local executor and the HTTP API (web UI, /metrics) in one process");
  static std::string listen = "127.0.0.1:8080";
  standalone->add_option("--listen", listen, "HOST:PORT for the API (port 0: any free port)")
      ->capture_default_str();
  standalone->callback([&inv] { RunScheduler(inv, "standalone", listen); });
}

}  // namespace sluice::cli
