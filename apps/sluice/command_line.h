#pragma once
// Reading a command line against the tree of subcommands before CLI11 parses it: which command
// the words name, the positional words it was given, and the first word that names no
// subcommand of a group. Shared by the "did you mean" check, bare-group help and the shell
// completion, so all three agree with what CLI11 will do.

#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

namespace sluice::cli {

struct CommandLine {
  CLI::App* command = nullptr;           // the deepest subcommand named (the root if none)
  std::vector<std::string> positionals;  // words after it that are neither options nor values
  std::string unknown_command;           // a word where `command`, a group, expects a subcommand
  bool help = false;                     // --help or -h was given
  // Options given with a value, in order: {"--home", "/x"} (both `--home /x` and `--home=/x`).
  std::vector<std::pair<std::string, std::string>> values;
};

// `words` are the arguments after the program name.
CommandLine ReadCommandLine(CLI::App& root, const std::vector<std::string>& words);

// True for a command that only groups others (`sluice dags`): it has subcommands and no
// positionals of its own.
bool IsGroup(const CLI::App& command);

// The names of a group's visible subcommands, in the order they were added.
std::vector<std::string> SubcommandNames(const CLI::App& command);

// "sluice dags list".
std::string CommandPathName(const CLI::App& command);

}  // namespace sluice::cli
