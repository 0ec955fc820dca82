#pragma once
// Sending one alert through one notifier: the side effect the delivery worker injects, so its
// tests run without a network (a fake sender) and its e2e tests against local sinks.

#include <memory>
#include <optional>
#include <string>

#include "notify/env_template.h"
#include "notify/notifier.h"
#include "sluice/store.h"

namespace sluice::notify {

struct SendOutcome {
  bool ok = false;
  std::optional<int> http_status;  // a webhook's response status, when one came
  std::string error;  // why it failed; never holds a resolved secret (Redact); empty when ok
};

class Sender {
 public:
  virtual ~Sender() = default;
  // Sends `d` through `notifier`, within notifier.timeout. Blocks the calling thread (the
  // delivery worker's), never the scheduler's.
  virtual SendOutcome Send(const NotifierSpec& notifier, const DeliveryRecord& d) = 0;
};

// The real channels: webhooks and mail through libcurl, commands as child processes. Templates
// are resolved through `env` at each send. Call before any other thread starts (it initialises
// libcurl, which is not thread-safe to initialise).
std::unique_ptr<Sender> CreateSender(EnvLookup env);

}  // namespace sluice::notify
