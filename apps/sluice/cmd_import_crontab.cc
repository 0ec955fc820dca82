// sluice import-crontab FILE [--out DIR] [--timezone ZONE]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <iostream>
#include <iterator>

#include "commands.h"
#include "control/crontab_import.h"
#include "time/time_zone.h"
#include "util/file.h"
#include "util/strings.h"

namespace sluice::cli {
namespace {

// The zone cron runs jobs in: the machine's (/etc/timezone, else the target of /etc/localtime).
std::string MachineZone() {
  if (auto text = ReadFile("/etc/timezone"); text.ok() && !Trim(*text).empty()) {
    return std::string(Trim(*text));
  }
  char target[PATH_MAX];
  const ssize_t n = ::readlink("/etc/localtime", target, sizeof target - 1);
  if (n > 0) {
    const std::string path(target, static_cast<size_t>(n));
    const size_t at = path.find("zoneinfo/");
    if (at != std::string::npos) return path.substr(at + 9);
  }
  return "UTC";
}

void Import(Invocation& inv, const std::string& file, const std::string& out_flag,
            const std::string& zone_flag) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  Result<std::string> text = Status::Internal("unread");
  if (file == "-") {
    text = std::string(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    text = ReadFile(file);
  }
  if (!text.ok()) {
    return void(inv.exit_code = ReportError(Status::Invalid("cannot read crontab " + file + ": " +
                                                            text.status().message())));
  }
  const std::string zone = zone_flag.empty() ? MachineZone() : zone_flag;
  if (auto tz = TimeZone::Find(zone); !tz.ok()) {
    return void(inv.exit_code =
                    ReportError(Status::Invalid("--timezone: " + tz.status().message())));
  }
  const std::string out_dir = out_flag.empty() ? config->dags_folder : out_flag;
  control::CrontabImportOptions options;
  options.source_name = file == "-" ? "stdin" : file;
  options.timezone = zone;
  // Whole minutes: cron's resolution, and a start that reads plainly.
  options.now = std::chrono::floor<std::chrono::minutes>(SystemClock().Now());
  control::CrontabImport imported = control::ImportCrontab(*text, options);

  if (Status st = MakeDirs(out_dir); !st.ok()) return void(inv.exit_code = ReportError(st));
  nlohmann::json written = nlohmann::json::array(), problems = nlohmann::json::array();
  for (const auto& dag : imported.dags) {
    const std::string path = out_dir + "/" + dag.dag_id + ".yaml";
    if (PathExists(path)) {
      imported.problems.push_back({dag.line, options.source_name + ":" + std::to_string(dag.line) +
                                                 ": " + path +
                                                 " exists and was not overwritten; not imported"});
      continue;
    }
    if (Status st = WriteFileAtomic(path, dag.yaml); !st.ok()) {
      imported.problems.push_back({dag.line, options.source_name + ":" + std::to_string(dag.line) +
                                                 ": " + st.message() + "; not imported"});
      continue;
    }
    written.push_back({{"dag", dag.dag_id}, {"file", path}, {"line", dag.line}});
    if (inv.flags.output != "json") std::cout << "wrote " << path << " (line " << dag.line << ")\n";
  }
  std::stable_sort(imported.problems.begin(), imported.problems.end(),
                   [](const auto& a, const auto& b) { return a.line < b.line; });
  for (const auto& p : imported.problems) {
    problems.push_back({{"line", p.line}, {"message", p.message}});
    if (inv.flags.output != "json") std::cerr << "error: " << p.message << "\n";
  }
  if (inv.flags.output == "json") {
    PrintJson({{"written", written}, {"problems", problems}, {"timezone", zone}});
  } else {
    std::cout << written.size() << " DAG file(s) written to " << out_dir << ", "
              << imported.problems.size() << " line(s) not imported; timezone " << zone
              << ".\nReview them (sluice dags validate " << out_dir
              << "), then remove the lines from the crontab so no job runs twice.\n";
  }
  inv.exit_code = imported.problems.empty() ? kExitOk : kExitFailed;
}

}  // namespace

void AddImportCrontabCommand(CLI::App& app, Invocation& inv) {
  static std::string file, out, zone;
  auto* cmd = app.add_subcommand("import-crontab",
                                 "Turn crontab lines into DAG files (one per job) for review");
  cmd->add_option("file", file, "the crontab (`crontab -l > FILE`), or - for stdin")->required();
  cmd->add_option("--out", out, "where to write the DAG files (default: the DAGs folder)");
  cmd->add_option("--timezone", zone,
                  "the zone cron ran the jobs in (default: the machine's; CRON_TZ= lines win)");
  AddOutputFlag(cmd, inv);
  cmd->callback([&inv] { Import(inv, file, out, zone); });
}

}  // namespace sluice::cli
