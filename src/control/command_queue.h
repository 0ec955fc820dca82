#pragma once
// Commands for the running scheduler, through the store's commands table: the caller enqueues a
// command (a kind and a JSON object of arguments); the scheduler takes pending ones, carries
// them out and marks each done or failed with a message for the caller.

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "sluice/clock.h"
#include "sluice/store.h"

namespace sluice::control {

// Queues a command and returns its pending record (with its id). Does not wait.
Result<CommandRecord> EnqueueCommand(Store& store, const std::string& kind,
                                     const nlohmann::json& args, TimePoint now);

struct CommandWait {
  std::chrono::milliseconds timeout{10000};  // how long to wait for the scheduler's answer
  std::chrono::milliseconds poll{20};        // how often to look
};

// Queues a command and waits for the scheduler's answer: its result message when done;
// kFailedPrecondition with that message when it failed; kIoError when no answer came within
// `wait.timeout` (the command stays queued, and says so).
Result<std::string> RunCommand(Store& store, const std::string& kind, const nlohmann::json& args,
                               TimePoint now, const CommandWait& wait = {});

}  // namespace sluice::control
