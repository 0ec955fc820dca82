#pragma once
// Each file registers its subcommands on the app. A callback sets `exit_code`.

#include <CLI/CLI.hpp>

#include "app_context.h"

namespace sluice::cli {

struct Invocation {
  GlobalFlags flags;
  int exit_code = kExitOk;
};

void AddDagsCommands(CLI::App& app, Invocation& inv);
void AddDagsTestCommand(CLI::App& dags, Invocation& inv);
void AddRunsCommands(CLI::App& app, Invocation& inv);
void AddTasksCommands(CLI::App& app, Invocation& inv);
void AddScheduleCommands(CLI::App& app, Invocation& inv);
void AddSchedulerCommands(CLI::App& app, Invocation& inv);
void AddDbCommands(CLI::App& app, Invocation& inv);
void AddPoolsCommands(CLI::App& app, Invocation& inv);
void AddAlertsCommands(CLI::App& app, Invocation& inv);
void AddImportCrontabCommand(CLI::App& app, Invocation& inv);
void AddApiCommand(CLI::App& app, Invocation& inv);
void AddUsersCommands(CLI::App& app, Invocation& inv);  // users and tokens
void AddCompletionCommand(CLI::App& app);

// `sluice __complete WORD...`, which the completion scripts call: prints the candidates for the
// last word, one per line.
int PrintCompletions(CLI::App& root, const std::vector<std::string>& words);

// Adds --output to a listing command.
inline void AddOutputFlag(CLI::App* cmd, Invocation& inv) {
  cmd->add_option("--output,-o", inv.flags.output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
}

}  // namespace sluice::cli
