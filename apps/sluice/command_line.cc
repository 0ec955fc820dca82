#include "command_line.h"

namespace sluice::cli {
namespace {

// The option `name` (e.g. "--dag", "-o") of `command` or of a command above it: global options
// such as --home may come after the subcommand (the app falls through).
const CLI::Option* FindOption(const CLI::App* command, const std::string& name) {
  for (; command != nullptr; command = command->get_parent()) {
    for (const CLI::Option* opt : command->get_options()) {
      if (opt->check_name(name)) return opt;
    }
  }
  return nullptr;
}

CLI::App* FindSubcommand(CLI::App* command, const std::string& word) {
  for (CLI::App* sub : command->get_subcommands({})) {
    if (sub->get_name() == word) return sub;
  }
  return nullptr;
}

}  // namespace

bool IsGroup(const CLI::App& command) {
  if (command.get_subcommands({}).empty()) return false;
  for (const CLI::Option* opt : command.get_options()) {
    if (opt->get_positional()) return false;
  }
  return true;
}

std::vector<std::string> SubcommandNames(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::App* sub : command.get_subcommands({})) {
    // CLI11 hides a subcommand by putting it in the empty group.
    if (!sub->get_group().empty()) names.push_back(sub->get_name());
  }
  return names;
}

std::string CommandPathName(const CLI::App& command) {
  std::string name = command.get_name();
  for (const CLI::App* up = command.get_parent(); up != nullptr; up = up->get_parent()) {
    name = up->get_name() + " " + name;
  }
  return name;
}

CommandLine ReadCommandLine(CLI::App& root, const std::vector<std::string>& words) {
  CommandLine line;
  line.command = &root;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") {
      for (++i; i < words.size(); ++i) line.positionals.push_back(words[i]);
      break;
    }
    if (word.size() > 1 && word[0] == '-') {
      if (word == "--help" || word == "-h") line.help = true;
      if (const size_t eq = word.find('='); eq != std::string::npos) {  // --output=json
        line.values.emplace_back(word.substr(0, eq), word.substr(eq + 1));
        continue;
      }
      const CLI::Option* opt = FindOption(line.command, word);
      // An option that takes a value consumes the next word; an unknown one is left to CLI11.
      if (opt != nullptr && opt->get_type_size_max() > 0 && i + 1 < words.size()) {
        line.values.emplace_back(word, words[++i]);
      }
      continue;
    }
    if (line.positionals.empty()) {
      if (CLI::App* sub = FindSubcommand(line.command, word)) {
        line.command = sub;
        continue;
      }
      if (IsGroup(*line.command) && line.unknown_command.empty()) {
        line.unknown_command = word;
        continue;
      }
    }
    line.positionals.push_back(word);
  }
  return line;
}

}  // namespace sluice::cli
