// sluice scheduler | standalone: the event loop with the local executor, until SIGINT/SIGTERM.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "commands.h"
#include "executor/executor.h"
#include "scheduler/driver.h"
#include "util/file.h"

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

void RunScheduler(Invocation& inv, const char* what) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  Status st = MakeDirs(config->home + "/logs");
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  // One scheduler per home: the lock also tells CLI commands that someone will apply them.
  int lock = ::open(SchedulerLockPath(*config).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0) {
    std::fprintf(stderr, "error: another scheduler is running on %s\n", config->home.c_str());
    inv.exit_code = kExitFailed;
    return;
  }
  auto store = OpenStore(*config);
  if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
  auto loop = EventLoop::Create(SystemClock());
  if (!loop.ok()) return void(inv.exit_code = ReportError(loop.status()));
  auto executor = CreateLocalExecutor(ExecutableDir() + "/sluice-supervisor", SystemClock(), **loop,
                                      config->home + "/logs");
  if (!executor.ok()) return void(inv.exit_code = ReportError(executor.status()));
  auto source =
      CreateFolderDagSource(config->dags_folder, GeneratorOptions(), std::chrono::minutes(1));
  DriverOptions options;
  options.planner.parallelism = config->parallelism;
  options.planner.logs_dir = config->home + "/logs";
  options.planner.hostname = Hostname();
  Driver scheduler(options, **store, **executor, **loop, *source);
  g_scheduler = &scheduler;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnSignal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  st = scheduler.Start();
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  std::cerr << "sluice " << what << ": home " << config->home << ", dags " << config->dags_folder
            << ", parallelism " << config->parallelism << ", " << scheduler.active_runs()
            << " open run(s), " << scheduler.running_attempts() << " attempt(s) adopted"
            << std::endl;
  st = scheduler.Run();
  g_scheduler = nullptr;
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  std::cerr << "sluice " << what << ": stopped; " << scheduler.running_attempts()
            << " attempt(s) left running under their supervisors" << std::endl;
}

}  // namespace

void AddSchedulerCommands(CLI::App& app, Invocation& inv) {
  app.add_subcommand("scheduler", "Run the scheduler (with the local executor)")->callback([&inv] {
    RunScheduler(inv, "scheduler");
  });
  app.add_subcommand("standalone", "Scheduler and local executor in one process")->callback([&inv] {
    RunScheduler(inv, "standalone");
  });
}

}  // namespace sluice::cli
