#pragma once
// Where an installation lives and how it runs (DESIGN.md §3): SLUICE_HOME, the DAGs folder, the
// database and the settings, from flags, then the environment, then $SLUICE_HOME/sluice.yaml.

#include <map>
#include <optional>
#include <string>

#include "notify/notifier.h"
#include "sluice/clock.h"
#include "sluice/status.h"

namespace sluice::control {

// The global flags; empty when not given.
struct ConfigFlags {
  std::string home;  // --home
  std::string dags;  // --dags
};

// Environment variables by name (SLUICE_HOME, SLUICE_DAGS, SLUICE_DB, SLUICE_PARALLELISM,
// SLUICE_CONN_<NAME>); an absent or empty one is unset. Passed in, so tests need not change the
// process environment.
using Environment = std::map<std::string, std::string>;
// The process's SLUICE_* variables that LoadConfig reads (every SLUICE_CONN_<NAME>).
Environment ProcessEnvironment();

struct Config {
  std::string home;         // absolute
  std::string dags_folder;  // absolute
  std::string db_path;
  int parallelism = 0;           // task processes at once; never 0 after LoadConfig
  bool durability_full = false;  // sluice.yaml `durability: full`: fsync every commit
  // sluice.yaml `dags_paused_on_create: true`: a DAG id the store has never seen is created
  // paused (by the scheduler, `dags trigger` and `dags test` alike).
  bool dags_paused_on_create = false;
  // sluice.yaml `log_max_bytes`: each attempt's output in its log is cut there (0: no cap).
  int64_t log_max_bytes = kDefaultLogMaxBytes;
  static constexpr int64_t kDefaultLogMaxBytes = 100'000'000;  // 100 MB
  // sluice.yaml `log_retention: 30d`: the scheduler deletes the logs of runs that ended longer
  // ago than this. Unset: logs are kept for ever.
  std::optional<Duration> log_retention;
  // sluice.yaml `pools: {warehouse: 4}`: pool name -> slots. The `default` pool (tasks without
  // `pool`) is not in it: its size is `parallelism`.
  std::map<std::string, int> pools;
  // Named connections for `sql` sensors: sluice.yaml `connections: {NAME: URL}`, then each
  // SLUICE_CONN_<NAME> variable (NAME lower-cased: SLUICE_CONN_WAREHOUSE is `warehouse`), which
  // wins over the file's entry of the same name. Each URL is checked at load (CheckConnectionUrl).
  // A URL may hold a password: show it only through RedactUrl (util/redact.h).
  std::map<std::string, std::string> connections;
  // sluice.yaml `notifiers:` (notifier_config.h): alert channels by name. URLs and headers
  // keep their `{{ env.NAME }}` templates; they are resolved at send time.
  notify::Notifiers notifiers;
  std::string logs_dir() const { return home + "/logs"; }
};

// OK when Sluice can use `url` as a connection: `sqlite:///ABS/PATH`, `sqlite://REL/PATH`,
// `postgresql://...` or `postgres://...`. Else InvalidArgument with a message that starts
// "connection 'NAME' ..." and never holds the URL (it may hold a password).
Status CheckConnectionUrl(const std::string& name, const std::string& url);

// Resolves flags, environment and sluice.yaml. Relative paths are taken from the current folder
// (`dags:` in sluice.yaml from the home). Errors (kInvalidArgument) name the file, line and key:
// `HOME/sluice.yaml:2:1: error: unknown key 'paralelism' (did you mean 'parallelism'?)`.
Result<Config> LoadConfig(const ConfigFlags& flags, const Environment& env);

}  // namespace sluice::control
