#include "control/crontab_import.h"

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <set>

#include "time/cron.h"
#include "time/time_format.h"
#include "util/strings.h"

namespace sluice::control {
namespace {

// What cron sets for the jobs that follow a `NAME=value` line.
struct CronEnvironment {
  std::map<std::string, std::string> vars;  // passed on to the task's `env`
  std::string shell = "/bin/sh";
  std::string mailto;
  std::string zone;
};

bool IsNameChar(char c, bool first) {
  return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (!first && c >= '0' && c <= '9');
}

// `NAME = value` with an optional pair of quotes around the value; nullopt for a job line.
std::optional<std::pair<std::string, std::string>> ReadAssignment(std::string_view line) {
  size_t i = 0;
  if (line.empty() || !IsNameChar(line[0], true)) return std::nullopt;
  while (i < line.size() && IsNameChar(line[i], false)) ++i;
  const std::string name(line.substr(0, i));
  std::string_view rest = Trim(line.substr(i));
  if (rest.empty() || rest[0] != '=') return std::nullopt;
  std::string_view value = Trim(rest.substr(1));
  if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0]) {
    value = value.substr(1, value.size() - 2);
  }
  return std::make_pair(name, std::string(value));
}

// The next whitespace-separated word of `text` from `pos`, moving `pos` past it.
std::string_view NextWord(std::string_view text, size_t& pos) {
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  const size_t start = pos;
  while (pos < text.size() && text[pos] != ' ' && text[pos] != '\t') ++pos;
  return text.substr(start, pos - start);
}

// cron's `@` words as five fields: Sluice's mapping form needs a cron expression.
const std::map<std::string, std::string>& Presets() {
  static const std::map<std::string, std::string> presets = {
      {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"}};
  return presets;
}

// A DAG id from the program a command runs: `/opt/jobs/load_prices.sh --full` -> load_prices.
// Wrappers (`cd DIR &&`, `nice`, `flock FILE`, `bash`, ...), assignments and options are skipped.
std::string IdFromCommand(std::string_view command) {
  static const std::set<std::string> wrappers = {
      "sudo", "nice",    "ionice", "env",  "timeout", "flock",   "nohup",       "exec",
      "time", "bash",    "sh",     "dash", "python",  "python3", "perl",        "ruby",
      "node", "chronic", "cd",     "&&",   ";",       "||",      "/usr/bin/env"};
  size_t pos = 0;
  bool skip_argument = false;  // cd's folder and flock's lock file are not the program
  while (pos < command.size()) {
    std::string word(NextWord(command, pos));
    if (word.empty()) break;
    if (skip_argument && word[0] != '-') {
      skip_argument = false;
      continue;
    }
    if (word == "cd" || word == "flock") skip_argument = true;
    if (wrappers.count(word) != 0 || word[0] == '-' || ReadAssignment(word) ||
        word.find_first_not_of("0123456789.smhd") == std::string::npos) {
      continue;
    }
    if (const size_t slash = word.rfind('/'); slash != std::string::npos) word.erase(0, slash + 1);
    if (const size_t dot = word.find('.'); dot != std::string::npos && dot > 0) word.erase(dot);
    std::string id;
    for (char c : word) {
      const bool ok = IsNameChar(c, false) || c == '-';
      id += ok ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
    }
    // DAG ids are at most 200 characters; 100 leaves room for a "_2".
    if (!id.empty() && id.find_first_not_of('_') != std::string::npos) return id.substr(0, 100);
  }
  return "cron_job";
}

// cron turns an unescaped `%` into a newline and feeds what follows to the job's stdin; `\%`
// is a literal `%`. Returns the command with `\%` unescaped, or nullopt if it has a bare `%`.
std::optional<std::string> UnescapePercent(std::string_view command) {
  std::string out;
  for (size_t i = 0; i < command.size(); ++i) {
    if (command[i] == '\\' && i + 1 < command.size() && command[i + 1] == '%') {
      out += '%';
      ++i;
    } else if (command[i] == '%') {
      return std::nullopt;
    } else {
      out += command[i];
    }
  }
  return out;
}

std::string DagYaml(const std::string& id, const std::string& schedule, const std::string& command,
                    const std::string& original, int line, const CronEnvironment& env,
                    const CrontabImportOptions& options) {
  YAML::Emitter out;
  out << YAML::Comment("Imported by `sluice import-crontab` from " + options.source_name + ":" +
                       std::to_string(line) +
                       ". Review it, then unpause it.\ncron ran:   " + original);
  if (!env.mailto.empty()) {
    out << YAML::Newline
        << YAML::Comment("cron mailed the job's output to " + env.mailto +
                         "; Sluice keeps it: sluice tasks logs " + id + " RUN " + id);
  }
  out << YAML::BeginMap;
  out << YAML::Key << "dag" << YAML::Value << id;
  out << YAML::Key << "description" << YAML::Value
      << "from " + options.source_name + " line " + std::to_string(line);
  out << YAML::Key << "schedule" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key
      << "cron" << YAML::Value << YAML::DoubleQuoted << schedule << YAML::Key << "mode"
      << YAML::Value << "trigger" << YAML::EndMap;
  out << YAML::Key << "timezone" << YAML::Value << (env.zone.empty() ? "UTC" : env.zone);
  out << YAML::Key << "start" << YAML::Value << FormatIsoUtc(options.now);
  out << YAML::Key << "catchup" << YAML::Value << false;
  out << YAML::Key << "tasks" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << id << YAML::Value << YAML::BeginMap;
  if (env.shell == "/bin/sh") {
    out << YAML::Key << "run" << YAML::Value << command;
  } else {  // cron ran it with SHELL; so does the task
    out << YAML::Key << "exec" << YAML::Value << YAML::Flow << YAML::BeginSeq << env.shell << "-c"
        << command << YAML::EndSeq;
  }
  if (!env.vars.empty()) {
    out << YAML::Key << "env" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, value] : env.vars) out << YAML::Key << name << YAML::Value << value;
    out << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace

CrontabImport ImportCrontab(std::string_view text, const CrontabImportOptions& options) {
  CrontabImport result;
  CronEnvironment env;
  env.zone = options.timezone;
  std::set<std::string> ids;  // taken by earlier jobs
  auto problem = [&](int line, const std::string& message) {
    result.problems.push_back({line, options.source_name + ":" + std::to_string(line) + ": " +
                                         message + "; not imported"});
  };
  const std::vector<std::string> lines = Split(text, '\n');
  for (size_t n = 0; n < lines.size(); ++n) {
    const int line_no = static_cast<int>(n) + 1;
    std::string_view line = Trim(lines[n]);
    if (line.empty() || line[0] == '#') continue;
    if (auto assignment = ReadAssignment(line)) {
      const auto& [name, value] = *assignment;
      if (name == "SHELL") {
        env.shell = value;
      } else if (name == "MAILTO") {
        env.mailto = value;
      } else if (name == "CRON_TZ") {
        env.zone = value;
      } else {
        env.vars[name] = value;
      }
      continue;
    }
    size_t pos = 0;
    std::string schedule;
    const std::string first(NextWord(line, pos));
    if (first[0] == '@') {
      if (first == "@reboot") {
        problem(line_no, "@reboot has no equivalent: run it from the machine's boot instead");
        continue;
      }
      auto preset = Presets().find(first);
      if (preset == Presets().end()) {
        problem(line_no, "unknown schedule '" + first + "'");
        continue;
      }
      schedule = preset->second;
    } else {
      schedule = first;
      for (int field = 1; field < 5; ++field) schedule += " " + std::string(NextWord(line, pos));
    }
    const std::string command_text(Trim(line.substr(pos)));
    if (command_text.empty()) {
      problem(line_no, "no command after the schedule");
      continue;
    }
    if (auto cron = CronExpression::Parse(schedule); !cron.ok()) {
      problem(line_no, "invalid schedule '" + schedule + "': " + cron.status().message());
      continue;
    }
    const std::optional<std::string> command = UnescapePercent(command_text);
    if (!command) {
      problem(line_no,
              "the command has a '%', which cron turns into a newline and feeds what follows to "
              "the job's stdin: write that as a shell here-document or a script");
      continue;
    }
    if (command->find("{{") != std::string::npos) {
      problem(line_no,
              "the command has '{{', which Sluice reads as a template: move it to a script");
      continue;
    }
    const std::string base = IdFromCommand(*command);
    std::string id = base;
    for (int k = 2; ids.count(id) != 0; ++k) id = base + "_" + std::to_string(k);
    ids.insert(id);
    result.dags.push_back(
        {line_no, id, DagYaml(id, schedule, *command, std::string(line), line_no, env, options)});
  }
  return result;
}

}  // namespace sluice::control
