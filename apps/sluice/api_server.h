#pragma once
// Starting the HTTP API from a subcommand (`sluice api`, `sluice standalone`): the listen flag,
// the server's options and the first admin, in one place for both.
#include <memory>
#include <string>

#include "api/server.h"
#include "app_context.h"

namespace sluice::cli {

// Parses `listen` and starts the server on `config`'s store (a connection per request thread),
// printing where it serves. `stats`: the scheduler's figures when it runs in this process.
Result<std::unique_ptr<api::ApiServer>> StartApiServer(const control::Config& config,
                                                       const std::string& listen,
                                                       const SchedulerStats* stats);

// On a store without any user, creates `admin` with a random password and prints it once, with
// how to change it. Nothing when a user exists.
Status CreateFirstAdmin(const control::Context& ctx);

}  // namespace sluice::cli
