#include "control/config.h"

#include <unistd.h>
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

std::string Where(const std::string& path, const YAML::Mark& mark) {
  return path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
         ": error: ";
}

// `pools: {warehouse: 4, vendor_api: 2}`: names as DAG ids are written, sizes from 1. The
// `default` pool is the parallelism's, so naming it here would say two things.
Status ReadPools(const YAML::Node& node, const std::string& path, const std::string& where,
                 std::map<std::string, int>* pools) {
  if (node.IsNull()) return Status::Ok();
  if (!node.IsMap()) {
    return Status::Invalid(where +
                           "'pools' must be a mapping of pool names to slots, such as "
                           "{warehouse: 4}");
  }
  for (const auto& kv : node) {
    const std::string name = kv.first.as<std::string>();
    const std::string at = Where(path, kv.first.Mark());
    const bool valid_name =
        !name.empty() && name.size() <= 200 && std::all_of(name.begin(), name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
        });
    if (!valid_name) {
      return Status::Invalid(at + "pool name '" + name +
                             "' must be letters, digits, '_', '.' or '-' (at most 200)");
    }
    if (name == "default") {
      return Status::Invalid(at +
                             "the default pool has the scheduler's parallelism; set "
                             "'parallelism' instead of pools.default");
    }
    int n = 0;
    if (!kv.second.IsScalar() || !YAML::convert<int>::decode(kv.second, n) || n < 1) {
      return Status::Invalid(Where(path, kv.second.Mark()) + "pool '" + name +
                             "' must have a positive number of slots, got '" +
                             (kv.second.IsScalar() ? kv.second.Scalar() : "not a number") + "'");
    }
    (*pools)[name] = n;
  }
  return Status::Ok();
}

constexpr std::string_view kConnEnvPrefix = "SLUICE_CONN_";

bool IsConnectionName(const std::string& name) {
  if (name.empty() || name.size() > 64 || !std::islower(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '_';
  });
}

// sluice.yaml `connections: {NAME: URL, ...}` into `config`; errors at the entry's place.
Status ReadConnections(const std::string& path, const YAML::Node& key, const YAML::Node& value,
                       Config* config) {
  auto at = [&](const YAML::Node& node) {
    const auto mark = node.Mark();
    return path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
           ": error: ";
  };
  if (value.IsNull()) return Status::Ok();
  if (!value.IsMap()) {
    return Status::Invalid(at(key) + "'connections' must be a mapping of names to URLs");
  }
  for (const auto& kv : value) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (!IsConnectionName(name)) {
      return Status::Invalid(at(kv.first) + "connection name '" + name +
                             "' must be lower-case letters, digits and _ (e.g. warehouse)");
    }
    if (!kv.second.IsScalar()) {
      return Status::Invalid(at(kv.second) + "connection '" + name + "' must be a URL string");
    }
    Status ok = CheckConnectionUrl(name, kv.second.Scalar());
    if (!ok.ok()) return Status::Invalid(at(kv.second) + ok.message());
    config->connections[name] = kv.second.Scalar();
  }
  return Status::Ok();
}

// SLUICE_CONN_<NAME> variables into `config`, over the file's entries of the same name.
Status ReadConnectionEnvironment(const Environment& env, Config* config) {
  for (const auto& [var, url] : env) {
    if (!StartsWith(var, kConnEnvPrefix) || url.empty()) continue;
    std::string name = var.substr(kConnEnvPrefix.size());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!IsConnectionName(name)) {
      return Status::Invalid(var + ": a connection name must be letters, digits and _, " +
                             "starting with a letter (e.g. SLUICE_CONN_WAREHOUSE)");
    }
    Status ok = CheckConnectionUrl(name, url);
    if (!ok.ok()) return Status::Invalid(var + ": " + ok.message());
    config->connections[name] = url;
  }
  return Status::Ok();
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
      } else if (key == "pools") {
        SLUICE_RETURN_IF_ERROR(ReadPools(kv.second, path, where, &config->pools));
      } else if (key == "connections") {
        SLUICE_RETURN_IF_ERROR(ReadConnections(path, kv.first, kv.second, config));
      } else if (key == "notifiers") {
        SLUICE_ASSIGN_OR_RETURN(config->notifiers, ReadNotifiers(kv.second, path, config->home));
      } else if (key == "dags") {
        *dags = kv.second.IsScalar() ? kv.second.Scalar() : "";
      } else {
        const std::string hint = ClosestMatch(
            key, {"parallelism", "durability", "dags", "dags_paused_on_create", "log_max_bytes",
                  "log_retention", "pools", "connections", "notifiers"});
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
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (StartsWith(entry, kConnEnvPrefix) && eq != std::string_view::npos) {
      env[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
    }
  }
  return env;
}

Status CheckConnectionUrl(const std::string& name, const std::string& url) {
  const std::string uses =
      " (use sqlite:///ABS/PATH, sqlite://REL/PATH or postgresql://USER@HOST:PORT/DB)";
  const size_t sep = url.find("://");
  if (sep == std::string::npos || sep == 0) {
    return Status::Invalid("connection '" + name + "' is not a URL" + uses);
  }
  const std::string scheme = url.substr(0, sep);
  if (scheme == "sqlite") {
    if (url.size() == sep + 3) {
      return Status::Invalid("connection '" + name + "': sqlite:// needs a path" + uses);
    }
    return Status::Ok();
  }
  if (scheme == "postgresql" || scheme == "postgres") return Status::Ok();
  // The scheme is shown (it holds no secret, and says what to fix); the rest is not.
  const bool plain = std::all_of(scheme.begin(), scheme.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '-' || c == '.';
  });
  return Status::Invalid("connection '" + name + "' has a scheme Sluice cannot use" +
                         (plain ? " ('" + scheme + "')" : "") + uses);
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
  SLUICE_RETURN_IF_ERROR(ReadConnectionEnvironment(env, &config));
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
