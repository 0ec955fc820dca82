#include "api_server.h"

#include <cstdio>

#include "control/store_open.h"
#include "control/users.h"

namespace sluice::cli {

Result<std::unique_ptr<api::ApiServer>> StartApiServer(const control::Config& config,
                                                       const std::string& listen,
                                                       const SchedulerStats* stats) {
  SLUICE_ASSIGN_OR_RETURN(api::ListenAddress address, api::ParseListenAddress(listen));
  api::ServerOptions options;
  options.listen = address;
  options.version = SLUICE_VERSION;
  options.scheduler_stats = stats;
  // Beside a scheduler (standalone) requests yield the CPU to its turns.
  if (stats != nullptr) options.worker_nice = 10;
  SLUICE_ASSIGN_OR_RETURN(
      auto server,
      api::ApiServer::Start(
          config, SystemClock(), [&config] { return control::OpenStore(config); }, options));
  // Tests and scripts read the port from this line when they asked for port 0.
  std::printf("sluice api: serving %s\n", server->url().c_str());
  std::fflush(stdout);
  return server;
}

Status CreateFirstAdmin(const control::Context& ctx) {
  SLUICE_ASSIGN_OR_RETURN(std::optional<std::string> password, control::EnsureFirstAdmin(ctx));
  if (!password) return Status::Ok();
  std::printf(
      "created user 'admin' (role admin) with the password %s\n"
      "it is shown only now; change it with `sluice users reset-password admin`\n",
      password->c_str());
  std::fflush(stdout);
  return Status::Ok();
}

}  // namespace sluice::cli
