#include "control/command_queue.h"

#include <fmt/format.h>

#include <thread>

namespace sluice::control {

Result<CommandRecord> EnqueueCommand(Store& store, const std::string& kind,
                                     const nlohmann::json& args, TimePoint now) {
  CommandRecord command;
  command.created = now;
  command.kind = kind;
  command.args_json = args.dump();
  SLUICE_ASSIGN_OR_RETURN(command.id, store.EnqueueCommand(command));
  return command;
}

Result<std::string> RunCommand(Store& store, const std::string& kind, const nlohmann::json& args,
                               TimePoint now, const CommandWait& wait) {
  SLUICE_ASSIGN_OR_RETURN(CommandRecord command, EnqueueCommand(store, kind, args, now));
  // The scheduler is another process and answers through the store: polling it is the only way
  // to hear back. This waits on a person's behalf, never inside the scheduler.
  const auto deadline = std::chrono::steady_clock::now() + wait.timeout;
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(auto current, store.GetCommand(command.id));
    if (current && current->state == "done") return current->result;
    if (current && current->state != "pending") return Status::Precondition(current->result);
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(wait.poll);
  }
  const std::chrono::duration<double> seconds = wait.timeout;
  return Status::Io(
      fmt::format("the scheduler did not answer within {:g} s; the command stays queued (id {})",
                  seconds.count(), command.id));
}

}  // namespace sluice::control
