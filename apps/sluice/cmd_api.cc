// sluice api [--listen ADDR]: the HTTP API, the web UI and /metrics, until SIGINT/SIGTERM. No
// scheduler runs in it: commands go through the store to the scheduler, as the CLI's do.
#include <signal.h>

#include "api_server.h"
#include "commands.h"
#include "control/store_open.h"

namespace sluice::cli {
namespace {

void RunApi(Invocation& inv, const std::string& listen) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  // The store is opened (and a new one migrated) once here, so a bad database is an error at
  // start rather than on every request.
  auto store = control::OpenStore(*config);
  if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
  store->reset();
  // SIGINT and SIGTERM are taken by sigwait below, never by a server thread: block them before
  // any thread starts, so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  auto server = StartApiServer(*config, listen, nullptr);
  if (!server.ok()) return void(inv.exit_code = ReportError(server.status()));
  int sig = 0;
  sigwait(&stop_signals, &sig);
  (*server)->Stop();
}

}  // namespace

void AddApiCommand(CLI::App& app, Invocation& inv) {
  auto* cmd = app.add_subcommand("api", "Serve the HTTP API, the web UI and /metrics");
  static std::string listen = "127.0.0.1:8080";
  cmd->add_option("--listen", listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->callback([&inv] { RunApi(inv, listen); });
}

}  // namespace sluice::cli
