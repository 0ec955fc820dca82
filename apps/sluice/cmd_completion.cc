// sluice completion bash|zsh, and the hidden `sluice __complete WORD...` the scripts call.
//
// The scripts are thin: they hand the words typed so far to `sluice __complete`, which reads
// them against the same command tree CLI11 parses (command_line.h) and prints one candidate per
// line. So completion never lags behind the commands, and DAG ids, run ids and task ids come
// from the store as the scheduler last recorded them (no DAG file is read, no generator runs).
#include <iostream>

#include "command_line.h"
#include "commands.h"
#include "control/run_lookup.h"
#include "control/store_open.h"
#include "util/file.h"
#include "util/strings.h"

namespace sluice::cli {
namespace {

constexpr const char* kBashScript =
    R"SH(# bash completion for sluice; load with: source <(sluice completion bash)
_sluice() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local IFS=$'\n'
  local words=("${COMP_WORDS[@]:1:COMP_CWORD}")
  COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" __complete "${words[@]}" 2>/dev/null)" -- "$cur"))
  # Nothing to offer (a file argument, a flag's value): complete file names.
  [[ ${#COMPREPLY[@]} -eq 0 ]] && compopt -o default 2>/dev/null
  return 0
}
complete -F _sluice sluice
)SH";

constexpr const char* kZshScript = R"SH(#compdef sluice
# zsh completion for sluice; load with: source <(sluice completion zsh)
_sluice() {
  local -a candidates
  candidates=("${(@f)$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(${candidates:#})
  if (( ${#candidates} )); then
    compadd -- $candidates
  else
    _files
  fi
}
compdef _sluice sluice
)SH";

// Opens the store only if its database exists: completing a word must not create one.
std::unique_ptr<Store> OpenExistingStore(const GlobalFlags& flags) {
  auto config = LoadConfig(flags);
  if (!config.ok() || !PathExists(config->db_path)) return nullptr;
  auto store = control::OpenStore(*config);
  return store.ok() ? std::move(*store) : nullptr;
}

// Candidates for the positional argument `name` (as the commands name them: dag, run, task),
// given the positional words before it.
std::vector<std::string> PositionalCandidates(const GlobalFlags& flags, const std::string& name,
                                              const std::vector<std::string>& before) {
  std::vector<std::string> out;
  if (name != "dag" && name != "run" && name != "task") return out;
  std::unique_ptr<Store> store = OpenExistingStore(flags);
  if (!store) return out;
  if (name == "dag") {
    auto dags = store->ListDags();
    if (!dags.ok()) return out;
    for (const auto& d : *dags) {
      if (!d.deleted) out.push_back(d.dag_id);
    }
  } else if (name == "run" && !before.empty()) {
    RunFilter filter;
    filter.dag_id = before[0];
    filter.limit = 100;
    auto runs = store->ListRuns(filter);
    if (!runs.ok()) return out;
    for (const auto& r : *runs) out.push_back(r.run_id);
  } else if (name == "task" && before.size() >= 2) {
    auto run = control::FindRun(*store, before[0], before[1]);
    if (!run.ok()) return out;
    auto graph = control::RunGraph(*store, *run);
    if (!graph.ok()) return out;
    for (size_t i = 0; i < (*graph)->size(); ++i) out.push_back((*graph)->task(i).id);
  }
  return out;
}

// The candidates for the last of `words`, the one being typed (possibly empty).
std::vector<std::string> Complete(CLI::App& root, std::vector<std::string> words) {
  if (words.empty()) words.emplace_back();
  const std::string current = words.back();
  words.pop_back();
  const CommandLine line = ReadCommandLine(root, words);
  GlobalFlags flags;
  for (const auto& [name, value] : line.values) {
    if (name == "--home") flags.home = value;
    if (name == "--dags") flags.dags = value;
  }
  std::vector<std::string> out;
  if (!line.unknown_command.empty()) return out;
  if (StartsWith(current, "-")) {
    for (const CLI::App* c = line.command; c != nullptr; c = c->get_parent()) {
      for (const CLI::Option* opt : c->get_options()) {
        for (const auto& name : opt->get_lnames()) out.push_back("--" + name);
      }
    }
    return out;
  }
  if (!words.empty() && words.back() == "--output") return {"table", "json"};
  if (line.positionals.empty() && IsGroup(*line.command)) return SubcommandNames(*line.command);
  std::vector<const CLI::Option*> positionals;
  for (const CLI::Option* opt : line.command->get_options()) {
    if (opt->get_positional()) positionals.push_back(opt);
  }
  if (line.positionals.size() < positionals.size()) {
    return PositionalCandidates(flags, positionals[line.positionals.size()]->get_name(),
                                line.positionals);
  }
  return out;
}

}  // namespace

void AddCompletionCommand(CLI::App& app) {
  static std::string shell;
  auto* completion = app.add_subcommand(
      "completion", "Print a shell completion script: source <(sluice completion bash)");
  completion->add_option("shell", shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  completion->callback([] { std::cout << (shell == "bash" ? kBashScript : kZshScript); });
}

int PrintCompletions(CLI::App& root, const std::vector<std::string>& words) {
  for (const auto& c : Complete(root, words)) std::cout << c << "\n";
  return kExitOk;
}

}  // namespace sluice::cli
