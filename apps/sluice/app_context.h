#pragma once
// What every subcommand shares: where SLUICE_HOME, the DAGs folder and the database are, the
// configuration from sluice.yaml, the store, and how to print (table or JSON).

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/dag_loader.h"
#include "sluice/store.h"

namespace sluice::cli {

// Exit codes of DESIGN.md §3.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

struct GlobalFlags {
  std::string home;  // --home, else SLUICE_HOME, else ./.sluice
  std::string dags;  // --dags, else SLUICE_DAGS, else sluice.yaml `dags`, else ./dags
  std::string output = "table";
};

struct Config {
  std::string home;
  std::string dags_folder;
  std::string db_path;
  int parallelism = 0;           // sluice.yaml `parallelism` or SLUICE_PARALLELISM; 0: cores
  bool durability_full = false;  // sluice.yaml `durability: full`
};

// Resolves flags, environment and sluice.yaml. Errors name the file and key.
Result<Config> LoadConfig(const GlobalFlags& flags);

// Opens the store; a brand-new database is migrated, an old one must be migrated explicitly.
Result<std::unique_ptr<Store>> OpenStore(const Config& config);

// Loads the DAGs folder.
std::vector<LoadedFile> LoadFolder(const Config& config);

// Finds a DAG by id in the folder or, if `ref` is a path to a file, loads that file.
// Errors: "no dag 'x' in /path/to/dags" or the file's diagnostics.
Result<DagSpec> FindDag(const Config& config, const std::string& ref);

// Prints `message` as "error: message" on stderr; returns the exit code for `status`.
int ReportError(const Status& status);
// The exit code DESIGN.md gives a status: 2 for invalid input or unknown names, else 1.
int ExitCodeFor(const Status& status);

void PrintJson(const nlohmann::json& value);
// A plain aligned table, header first; empty cells print as "-".
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// ISO-8601 UTC or null.
nlohmann::json JsonTime(const std::optional<TimePoint>& t);
std::string TableTime(const std::optional<TimePoint>& t);

// Parses repeated `k=v` flags into a JSON object of strings; checks names against `dag.params`.
Result<std::string> ParamsJson(const DagSpec& dag, const std::vector<std::string>& params);

// True when a scheduler holds the lock on this home (it then applies commands itself).
bool SchedulerRunning(const Config& config);
std::string SchedulerLockPath(const Config& config);

// Queues `command` for the running scheduler and waits (up to 10 s) for its result.
Result<CommandRecord> SendCommand(Store& store, const std::string& kind, const nlohmann::json& args,
                                  bool wait);

}  // namespace sluice::cli
