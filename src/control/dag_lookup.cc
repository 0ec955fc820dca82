#include "control/dag_lookup.h"

#include <filesystem>

#include "util/file.h"
#include "util/strings.h"

namespace sluice::control {
namespace {

LoadedFile LoadOneFile(const std::string& path) {
  return EndsWith(path, ".dag") ? LoadGeneratedDags(path, GeneratorOptions()) : LoadDagFile(path);
}

}  // namespace

std::vector<LoadedFile> LoadDagsFolder(const Config& config) {
  return LoadDagFolder(config.dags_folder, GeneratorOptions());
}

std::vector<LoadedFile> LoadDagPaths(const std::vector<std::string>& paths) {
  std::vector<LoadedFile> files;
  for (const auto& p : paths) {
    if (std::filesystem::is_directory(p)) {
      for (auto& f : LoadDagFolder(p, GeneratorOptions())) files.push_back(std::move(f));
    } else if (!std::filesystem::exists(p)) {
      LoadedFile f;
      f.path = p;
      f.errors.push_back({{p, 1, 1}, "no such file or directory"});
      files.push_back(std::move(f));
    } else {
      files.push_back(LoadOneFile(p));
    }
  }
  return files;
}

bool IsDagFileRef(const std::string& ref) {
  return ref.find('/') != std::string::npos || EndsWith(ref, ".yaml") || EndsWith(ref, ".yml") ||
         EndsWith(ref, ".dag");
}

Result<DagSpec> FindDag(const Config& config, const std::string& ref) {
  const bool is_file = IsDagFileRef(ref);
  std::vector<LoadedFile> files;
  if (is_file) {
    if (!PathExists(ref)) return Status::NotFound("no such file: " + ref);
    files.push_back(LoadOneFile(ref));
  } else {
    files = LoadDagsFolder(config);
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
    if (f.ok()) continue;
    for (const auto& d : f.errors) {
      if (d.message.find("'" + ref + "'") != std::string::npos) {
        return Status::Invalid(d.ToString());
      }
    }
  }
  return Status::NotFound("no dag '" + ref + "' in " + config.dags_folder);
}

}  // namespace sluice::control
