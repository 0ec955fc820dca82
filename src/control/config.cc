#include "control/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

#include "control/notifier_config.h"
#include "time/duration.h"
#include "util/file.h"
#include "util/strings.h"

namespace sluice::control {
namespace {

std::string Get(const Environment& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

// "100MB", "512KiB", "1GB", "0", "12345" (bytes): decimal units (kB = 1000) and binary ones
// (KiB = 1024). nullopt when malformed or over 1 PiB.
std::optional<int64_t> ParseByteSize(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  const int64_t n = std::stoll(text.substr(0, digits));
  std::string unit = text.substr(digits);
  if (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  static const std::pair<const char*, int64_t> kUnits[] = {
      {"", 1},          {"B", 1},         {"kB", 1000},
      {"KB", 1000},     {"MB", 1000000},  {"GB", 1000000000},
      {"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}};
  for (const auto& [name, scale] : kUnits) {
    if (unit == name) {
      if (n > (int64_t{1} << 50) / scale) return std::nullopt;
      return n * scale;
    }
  }
  return std::nullopt;
}

// Reads sluice.yaml into `config`; `dags` receives its `dags:` value.
Status ReadConfigFile(const std::string& path, Config* config, std::string* dags) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (root && !root.IsNull() && !root.IsMap()) {
      return Status::Invalid(path + ":1:1: error: expected a mapping of settings");
    }
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      const auto mark = kv.first.Mark();
      const std::string where = path + ":" + std::to_string(mark.line + 1) + ":" +
                                std::to_string(mark.column + 1) + ": error: ";
      if (key == "parallelism") {
        int n = 0;
        if (!YAML::convert<int>::decode(kv.second, n) || n < 1) {
          return Status::Invalid(where + "'parallelism' must be a positive integer");
        }
        config->parallelism = n;
      } else if (key == "durability") {
        const std::string v = kv.second.IsScalar() ? kv.second.Scalar() : "";
        if (v != "normal" && v != "full") {
          return Status::Invalid(where + "'durability' must be 'normal' or 'full'");
        }
        config->durability_full = v == "full";
      } else if (key == "dags_paused_on_create") {
        bool v = false;
        if (!YAML::convert<bool>::decode(kv.second, v)) {
          return Status::Invalid(where + "'dags_paused_on_create' must be true or false");
        }
        config->dags_paused_on_create = v;
      } else if (key == "log_max_bytes") {
        const std::string v = kv.second.IsScalar() ? kv.second.Scalar() : "";
        auto bytes = ParseByteSize(v);
        if (!bytes) {
          return Status::Invalid(where +
                                 "'log_max_bytes' must be a size such as 100MB, 1GiB or 0 (no "
                                 "cap), got '" +
                                 v + "'");
        }
        config->log_max_bytes = *bytes;
      } else if (key == "log_retention") {
        // Read as DAG files read durations; zero would delete a run's logs as it ends.
        auto d = kv.second.IsScalar()
                     ? ParseDuration(kv.second.Scalar())
                     : Result<Duration>(Status::Invalid("expected a duration such as 30d"));
        if (!d.ok()) return Status::Invalid(where + "log_retention: " + d.status().message());
        if (*d <= Duration::zero()) {
          return Status::Invalid(where + "log_retention: must be more than 0s (e.g. 30d)");
        }
        config->log_retention = *d;
      } else if (key == "notifiers") {
        SLUICE_ASSIGN_OR_RETURN(config->notifiers, ReadNotifiers(kv.second, path, config->home));
      } else if (key == "dags") {
        *dags = kv.second.IsScalar() ? kv.second.Scalar() : "";
      } else {
        const std::string hint =
            ClosestMatch(key, {"parallelism", "durability", "dags", "dags_paused_on_create",
                               "log_max_bytes", "log_retention", "notifiers"});
        return Status::Invalid(where + "unknown key '" + key + "'" +
                               (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::Invalid(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": error: " + e.msg);
  }
  return Status::Ok();
}

}  // namespace

Environment ProcessEnvironment() {
  Environment env;
  for (const char* name : {"SLUICE_HOME", "SLUICE_DAGS", "SLUICE_DB", "SLUICE_PARALLELISM"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  return env;
}

Result<Config> LoadConfig(const ConfigFlags& flags, const Environment& env) {
  Config config;
  const std::string home_env = Get(env, "SLUICE_HOME");
  config.home = Absolute(!flags.home.empty() ? flags.home
                         : !home_env.empty() ? home_env
                                             : ".sluice");
  std::string dags_from_file;
  const std::string config_path = config.home + "/sluice.yaml";
  if (PathExists(config_path)) {
    SLUICE_RETURN_IF_ERROR(ReadConfigFile(config_path, &config, &dags_from_file));
  }
  const std::string dags_env = Get(env, "SLUICE_DAGS");
  if (!flags.dags.empty()) {
    config.dags_folder = Absolute(flags.dags);
  } else if (!dags_env.empty()) {
    config.dags_folder = Absolute(dags_env);
  } else if (!dags_from_file.empty()) {
    config.dags_folder =
        dags_from_file[0] == '/' ? dags_from_file : Absolute(config.home + "/" + dags_from_file);
  } else {
    config.dags_folder = Absolute("dags");
  }
  const std::string db_env = Get(env, "SLUICE_DB");
  config.db_path = !db_env.empty() ? db_env : config.home + "/sluice.db";
  if (StartsWith(config.db_path, "postgresql://") || StartsWith(config.db_path, "postgres://")) {
    return Status::Invalid(
        "SLUICE_DB: the PostgreSQL store is not available in this version; "
        "use a file path (SQLite)");
  }
  const std::string parallelism = Get(env, "SLUICE_PARALLELISM");
  if (!parallelism.empty()) {
    char* end = nullptr;
    const long n = std::strtol(parallelism.c_str(), &end, 10);
    if (*end != '\0' || n < 1 || n > 100000) {
      return Status::Invalid("SLUICE_PARALLELISM must be a positive integer, got '" + parallelism +
                             "'");
    }
    config.parallelism = static_cast<int>(n);
  }
  if (config.parallelism == 0) {
    config.parallelism = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  return config;
}

}  // namespace sluice::control
