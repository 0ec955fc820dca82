#include "app_context.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "time/time_format.h"
#include "util/file.h"
#include "util/strings.h"

namespace sluice::cli {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

}  // namespace

Result<Config> LoadConfig(const GlobalFlags& flags) {
  Config config;
  config.home = Absolute(!flags.home.empty()           ? flags.home
                         : !Env("SLUICE_HOME").empty() ? Env("SLUICE_HOME")
                                                       : ".sluice");
  std::string dags_from_file;
  const std::string config_path = config.home + "/sluice.yaml";
  if (PathExists(config_path)) {
    try {
      YAML::Node root = YAML::LoadFile(config_path);
      if (root && !root.IsNull() && !root.IsMap()) {
        return Status::Invalid(config_path + ":1:1: error: expected a mapping of settings");
      }
      for (const auto& kv : root) {
        const std::string key = kv.first.as<std::string>();
        const auto mark = kv.first.Mark();
        const std::string where = config_path + ":" + std::to_string(mark.line + 1) + ":" +
                                  std::to_string(mark.column + 1) + ": error: ";
        if (key == "parallelism") {
          int n = 0;
          if (!YAML::convert<int>::decode(kv.second, n) || n < 1) {
            return Status::Invalid(where + "'parallelism' must be a positive integer");
          }
          config.parallelism = n;
        } else if (key == "durability") {
          std::string v = kv.second.IsScalar() ? kv.second.Scalar() : "";
          if (v != "normal" && v != "full") {
            return Status::Invalid(where + "'durability' must be 'normal' or 'full'");
          }
          config.durability_full = v == "full";
        } else if (key == "dags") {
          dags_from_file = kv.second.IsScalar() ? kv.second.Scalar() : "";
        } else {
          std::string hint = ClosestMatch(key, {"parallelism", "durability", "dags"});
          return Status::Invalid(where + "unknown key '" + key + "'" +
                                 (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
        }
      }
    } catch (const YAML::Exception& e) {
      return Status::Invalid(config_path + ":" + std::to_string(e.mark.line + 1) + ":" +
                             std::to_string(e.mark.column + 1) + ": error: " + e.msg);
    }
  }
  if (!flags.dags.empty()) {
    config.dags_folder = Absolute(flags.dags);
  } else if (!Env("SLUICE_DAGS").empty()) {
    config.dags_folder = Absolute(Env("SLUICE_DAGS"));
  } else if (!dags_from_file.empty()) {
    config.dags_folder =
        dags_from_file[0] == '/' ? dags_from_file : Absolute(config.home + "/" + dags_from_file);
  } else {
    config.dags_folder = Absolute("dags");
  }
  config.db_path = !Env("SLUICE_DB").empty() ? Env("SLUICE_DB") : config.home + "/sluice.db";
  if (StartsWith(config.db_path, "postgresql://") || StartsWith(config.db_path, "postgres://")) {
    return Status::Invalid(
        "SLUICE_DB: the PostgreSQL store is not available in this version; "
        "use a file path (SQLite)");
  }
  if (!Env("SLUICE_PARALLELISM").empty()) {
    const std::string v = Env("SLUICE_PARALLELISM");
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (*end != '\0' || n < 1 || n > 100000) {
      return Status::Invalid("SLUICE_PARALLELISM must be a positive integer, got '" + v + "'");
    }
    config.parallelism = static_cast<int>(n);
  }
  if (config.parallelism == 0) {
    config.parallelism = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  return config;
}

Result<std::unique_ptr<Store>> OpenStore(const Config& config) {
  SLUICE_RETURN_IF_ERROR(MakeDirs(std::filesystem::path(config.db_path).parent_path().string()));
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenSqliteStore(config.db_path, config.durability_full));
  SLUICE_ASSIGN_OR_RETURN(int version, store->SchemaVersion());
  if (version == 0) {
    SLUICE_RETURN_IF_ERROR(store->Migrate());
  } else if (version != store->LatestSchemaVersion()) {
    SLUICE_RETURN_IF_ERROR(store->Check());
  }
  return store;
}

std::vector<LoadedFile> LoadFolder(const Config& config) {
  return LoadDagFolder(config.dags_folder, GeneratorOptions());
}

Result<DagSpec> FindDag(const Config& config, const std::string& ref) {
  const bool is_file = ref.find('/') != std::string::npos || EndsWith(ref, ".yaml") ||
                       EndsWith(ref, ".yml") || EndsWith(ref, ".dag");
  std::vector<LoadedFile> files;
  if (is_file) {
    if (!PathExists(ref)) return Status::NotFound("no such file: " + ref);
    files.push_back(EndsWith(ref, ".dag") ? LoadGeneratedDags(ref, GeneratorOptions())
                                          : LoadDagFile(ref));
  } else {
    files = LoadFolder(config);
  }
  for (const auto& f : files) {
    if (!f.ok() && is_file) {
      std::string all;
      for (const auto& d : f.errors) all += (all.empty() ? "" : "\n") + d.ToString();
      return Status::Invalid(all);
    }
    for (const auto& d : f.dags) {
      if (is_file || d.id == ref) return d;
    }
  }
  for (const auto& f : files) {
    // The DAG may be in a broken file: say so rather than "not found".
    if (!f.ok()) {
      for (const auto& d : f.errors) {
        if (d.message.find("'" + ref + "'") != std::string::npos) {
          return Status::Invalid(d.ToString());
        }
      }
    }
  }
  return Status::NotFound("no dag '" + ref + "' in " + config.dags_folder);
}

int ExitCodeFor(const Status& status) {
  if (status.ok()) return kExitOk;
  return (status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound)
             ? kExitUsage
             : kExitFailed;
}

int ReportError(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return ExitCodeFor(status);
}

void PrintJson(const nlohmann::json& value) { std::cout << value.dump(2) << std::endl; }

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].empty() ? 1 : row[i].size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string cell = row[i].empty() ? "-" : row[i];
      line += cell;
      if (i + 1 < row.size()) line += std::string(width[i] - cell.size() + 2, ' ');
    }
    std::cout << line << "\n";
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
  std::cout.flush();
}

nlohmann::json JsonTime(const std::optional<TimePoint>& t) {
  return t ? nlohmann::json(FormatIsoUtc(*t)) : nlohmann::json(nullptr);
}

std::string TableTime(const std::optional<TimePoint>& t) {
  if (!t) return "";
  // Whole seconds read better in a table; JSON keeps the full precision.
  return FormatIsoUtc(std::chrono::floor<std::chrono::seconds>(*t));
}

Result<std::string> ParamsJson(const DagSpec& dag, const std::vector<std::string>& params) {
  nlohmann::json out = nlohmann::json::object();
  std::vector<std::string> declared;
  for (const auto& [k, v] : dag.params) declared.push_back(k);
  for (const auto& p : params) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Invalid("--param expects NAME=VALUE, got '" + p + "'");
    }
    std::string name = p.substr(0, eq);
    if (!dag.params.count(name)) {
      std::string hint = ClosestMatch(name, declared);
      return Status::Invalid(
          "dag '" + dag.id + "' has no param '" + name + "'" +
          (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
          (declared.empty() ? "; it declares none" : "; declared: " + Join(declared, ", ")));
    }
    out[name] = p.substr(eq + 1);
  }
  return out.dump();
}

std::string SchedulerLockPath(const Config& config) { return config.home + "/scheduler.lock"; }

bool SchedulerRunning(const Config& config) {
  int fd = ::open(SchedulerLockPath(config).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

Result<CommandRecord> SendCommand(Store& store, const std::string& kind, const nlohmann::json& args,
                                  bool wait) {
  CommandRecord command;
  command.created = SystemClock().Now();
  command.kind = kind;
  command.args_json = args.dump();
  SLUICE_ASSIGN_OR_RETURN(int64_t id, store.EnqueueCommand(command));
  command.id = id;
  if (!wait) return command;
  for (int i = 0; i < 500; ++i) {
    SLUICE_ASSIGN_OR_RETURN(auto current, store.GetCommand(id));
    if (current && current->state != "pending") return *current;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Io("the scheduler did not answer within 10 s; the command stays queued (id " +
                    std::to_string(id) + ")");
}

}  // namespace sluice::cli
