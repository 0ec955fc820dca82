// sluice: one binary, one subcommand per file in this folder (DESIGN.md §3).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "command_line.h"
#include "commands.h"
#include "operators/builtin.h"
#include "util/strings.h"

namespace {

using namespace sluice::cli;

// What the command line names before CLI11 parses it: a word that is no subcommand of a group
// gets a "did you mean" (CLI11 would only say it was not expected), and a bare group
// (`sluice`, `sluice dags`) prints its help rather than an error. Returns the exit code when the
// line is handled here.
std::optional<int> HandleBeforeParse(CLI::App& app, const std::vector<std::string>& words) {
  const CommandLine line = ReadCommandLine(app, words);
  if (line.help) return std::nullopt;
  if (!line.unknown_command.empty()) {
    const std::vector<std::string> names = sluice::cli::SubcommandNames(*line.command);
    const std::string hint = sluice::ClosestMatch(line.unknown_command, names);
    std::fprintf(stderr, "error: '%s' is not a command of '%s'%s; its commands: %s\n",
                 line.unknown_command.c_str(), CommandPathName(*line.command).c_str(),
                 hint.empty() ? "" : (" (did you mean '" + hint + "'?)").c_str(),
                 sluice::Join(names, ", ").c_str());
    return kExitUsage;
  }
  if (IsGroup(*line.command) && line.positionals.empty()) {
    bool version = false;
    for (const auto& w : words) version = version || w == "--version";
    if (version) return std::nullopt;
    std::cout << line.command->help();
    return kExitOk;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything reads a DAG: the task kinds are a process-wide registry.
  sluice::Status kinds = sluice::RegisterBuiltinOperators();
  if (!kinds.ok()) {
    std::fprintf(stderr, "error: %s\n", kinds.message().c_str());
    return 1;
  }
  CLI::App app{"Sluice: DAGs of jobs on schedules, run durably.", "sluice"};
  app.set_version_flag("--version", std::string("sluice ") + SLUICE_VERSION);
  app.fallthrough();
  Invocation inv;
  app.add_option("--home", inv.flags.home,
                 "SLUICE_HOME: config, database and logs (default ./.sluice)");
  app.add_option("--dags", inv.flags.dags, "SLUICE_DAGS: the DAGs folder (default ./dags)");
  AddDagsCommands(app, inv);
  AddRunsCommands(app, inv);
  AddTasksCommands(app, inv);
  AddScheduleCommands(app, inv);
  AddSchedulerCommands(app, inv);
  AddDbCommands(app, inv);
  AddPoolsCommands(app, inv);
  AddAlertsCommands(app, inv);
  AddImportCrontabCommand(app, inv);
  AddApiCommand(app, inv);
  AddUsersCommands(app, inv);
  AddCompletionCommand(app);

  const std::vector<std::string> words(argv + 1, argv + argc);
  if (!words.empty() && words[0] == "__complete") {
    return PrintCompletions(app, {words.begin() + 1, words.end()});
  }
  if (auto handled = HandleBeforeParse(app, words)) return *handled;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s\nRun with --help for usage.\n", e.what());
    return kExitUsage;
  }
  return inv.exit_code;
}
