#pragma once
// What every subcommand shares: the global flags, the configuration they lead to (from
// src/control), and how to print (table or JSON) and report errors.

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "control/config.h"
#include "control/context.h"
#include "control/record_json.h"
#include "sluice/clock.h"
#include "sluice/status.h"

namespace sluice::cli {

// Exit codes of DESIGN.md §3.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNoSpace = 3;  // the database's disk is full; nothing was written
constexpr int kExitCorrupt = 4;  // the database file is damaged; the message has the repair

struct GlobalFlags {
  std::string home;  // --home
  std::string dags;  // --dags
  std::string output = "table";
};

// The configuration from the flags, the process environment and sluice.yaml.
Result<control::Config> LoadConfig(const GlobalFlags& flags);

// The configuration and the open store a command works on, with the system clock.
struct Session {
  control::Config config;
  std::unique_ptr<Store> store;
  control::Context ctx() const { return {config, *store, SystemClock()}; }
};
Result<Session> OpenSession(const GlobalFlags& flags);

// Prints `message` as "error: message" on stderr; returns the exit code for `status`.
int ReportError(const Status& status);
// The exit code docs/cli.md gives a status, in this one place: 2 for invalid input or unknown
// names, 3 for a full database disk, 4 for a damaged database file, else 1.
int ExitCodeFor(const Status& status);

void PrintJson(const nlohmann::json& value);
// A plain aligned table, header first; empty cells print as "-".
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// ISO-8601 UTC or null (the API's too).
using control::JsonTime;
std::string TableTime(const std::optional<TimePoint>& t);

}  // namespace sluice::cli
