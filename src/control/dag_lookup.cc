#include "control/dag_lookup.h"

#include <filesystem>
#include <set>

#include "control/dag_version_cache.h"
#include "control/scheduler_lock.h"
#include "util/file.h"
#include "util/strings.h"

namespace sluice::control {
namespace {

LoadedFile LoadOneFile(const std::string& path) {
  return EndsWith(path, ".dag") ? LoadGeneratedDags(path, GeneratorOptions()) : LoadDagFile(path);
}

LoadedFile PathError(const std::string& path, const std::string& message) {
  LoadedFile f;
  f.path = path;
  f.errors.push_back({{path, 1, 1}, message});
  return f;
}

}  // namespace

std::vector<LoadedFile> LoadDagsFolder(const Config& config) {
  return LoadDagFolder(config.dags_folder, GeneratorOptions());
}

std::vector<LoadedFile> LoadDagPaths(const std::vector<std::string>& paths) {
  std::vector<LoadedFile> files;
  for (const auto& p : paths) {
    // status() follows symlinks: a loop or a dangling link is an error on the path, not an
    // exception.
    std::error_code ec;
    const auto status = std::filesystem::status(p, ec);
    if (status.type() == std::filesystem::file_type::not_found) {
      files.push_back(PathError(p, "no such file or directory"));
    } else if (ec) {
      files.push_back(PathError(p, ec.message()));
    } else if (std::filesystem::is_directory(status)) {
      for (auto& f : LoadDagFolder(p, GeneratorOptions())) files.push_back(std::move(f));
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

Result<std::optional<DagSpec>> StoredDag(Store& store, const std::string& dag_id) {
  SLUICE_ASSIGN_OR_RETURN(auto rec, store.GetDag(dag_id));
  if (!rec || rec->deleted || rec->hash.empty()) return std::optional<DagSpec>();
  SLUICE_ASSIGN_OR_RETURN(auto spec, CachedDagVersion(store, dag_id, rec->hash));
  return std::optional<DagSpec>(*spec);
}

Status UnknownDag(const Context& ctx, const std::string& dag_id,
                  const std::vector<std::string>& more_ids) {
  std::set<std::string> ids(more_ids.begin(), more_ids.end());
  auto records = ctx.store.ListDags();
  if (records.ok()) {
    for (const auto& r : *records) {
      if (!r.deleted) ids.insert(r.dag_id);
    }
  }
  ids.erase(dag_id);
  const std::string hint = ClosestMatch(dag_id, std::vector<std::string>(ids.begin(), ids.end()));
  if (!hint.empty()) {
    return Status::NotFound("no dag '" + dag_id + "'; did you mean '" + hint + "'?");
  }
  return Status::NotFound("no dag '" + dag_id + "' in " + ctx.config.dags_folder);
}

Result<DagSpec> FindDag(const Context& ctx, const std::string& ref) {
  if (IsDagFileRef(ref)) {
    if (!PathExists(ref)) return Status::NotFound("no such file: " + ref);
    LoadedFile f = LoadOneFile(ref);
    if (!f.ok()) {
      std::string all;
      for (const auto& d : f.errors) all += (all.empty() ? "" : "\n") + d.ToString();
      return Status::Invalid(all);
    }
    if (f.dags.empty()) return Status::Invalid(ref + ":1:1: error: the file defines no DAG");
    return f.dags.front();
  }
  SLUICE_ASSIGN_OR_RETURN(auto stored, StoredDag(ctx.store, ref));
  if (stored) return *std::move(stored);
  // No scheduler has loaded it (a fresh home, a file added since): the folder as it is now. A
  // running scheduler runs the generators itself (what they yield reaches the store), so the
  // CLI never waits for one then.
  GeneratorOptions generators;
  generators.run = !SchedulerRunning(ctx.config);
  const std::vector<LoadedFile> files = LoadDagFolder(ctx.config.dags_folder, generators);
  std::vector<std::string> folder_ids;
  for (const auto& f : files) {
    for (const auto& d : f.dags) {
      if (d.id == ref) return d;
      folder_ids.push_back(d.id);
    }
  }
  for (const auto& f : files) {
    // The DAG may be in a broken file: say so rather than "not found".
    for (const auto& d : f.errors) {
      if (d.message.find("'" + ref + "'") != std::string::npos) {
        return Status::Invalid(d.ToString());
      }
    }
  }
  return UnknownDag(ctx, ref, folder_ids);
}

}  // namespace sluice::control
