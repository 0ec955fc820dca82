// sluice: one binary, one subcommand per file in this folder (DESIGN.md §3).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "commands.h"
#include "operators/builtin.h"

int main(int argc, char** argv) {
  using namespace sluice::cli;
  // Before anything reads a DAG: the task kinds are a process-wide registry.
  sluice::Status kinds = sluice::RegisterBuiltinOperators();
  if (!kinds.ok()) {
    std::fprintf(stderr, "error: %s\n", kinds.message().c_str());
    return 1;
  }
  CLI::App app{"Sluice: DAGs of jobs on schedules, run durably.", "sluice"};
  app.require_subcommand(1);
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s\nRun with --help for usage.\n", e.what());
    return kExitUsage;
  }
  return inv.exit_code;
}
