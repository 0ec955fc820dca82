// Loading every DAG file of a folder, and the rule that a DAG id belongs to one file.

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/dag_generator.h"
#include "core/dag_loader.h"
#include "core/spec_text.h"
#include "util/file.h"
#include "util/strings.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

struct FolderEntry {
  std::string path;
  bool generator = false;
};

bool IsDagFileName(const std::string& name, bool* generator) {
  *generator = EndsWith(name, ".dag");
  return *generator || EndsWith(name, ".yaml") || EndsWith(name, ".yml");
}

LoadedSpecText LoadEntry(const FolderEntry& entry, const GeneratorOptions& options) {
  LoadedSpecText out;
  out.file.path = entry.path;
  auto fail = [&](std::string message) {
    out.file.errors.push_back(Diagnostic{SourceLocation{entry.path, 1, 1}, std::move(message)});
    return out;
  };
  if (entry.generator) {
    if (access(entry.path.c_str(), X_OK) != 0) return fail("not executable: chmod +x it");
    return LoadGeneratedSpecs(entry.path, options);
  }
  Result<std::string> text = ReadFile(entry.path);
  if (!text.ok()) return fail(text.status().message());
  return LoadSpecText(entry.path, *text, SpecTextOptions());
}

}  // namespace

std::vector<LoadedFile> LoadDagFolder(const std::string& folder, const GeneratorOptions& options) {
  std::vector<FolderEntry> entries;
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    bool generator = false;
    // Hidden files are editors' swap and backup files, not DAGs.
    if (StartsWith(name, ".") || !IsDagFileName(name, &generator)) continue;
    std::error_code type_ec;
    if (!fs::is_regular_file(it->path(), type_ec)) continue;  // follows symlinks
    entries.push_back(FolderEntry{it->path().string(), generator});
  }
  if (ec) {
    LoadedFile file;
    file.path = folder;
    file.errors.push_back(
        Diagnostic{SourceLocation{folder, 1, 1}, "cannot list the DAG folder: " + ec.message()});
    return {file};
  }
  std::sort(entries.begin(), entries.end(),
            [](const FolderEntry& a, const FolderEntry& b) { return a.path < b.path; });

  std::vector<LoadedFile> files;
  std::map<std::string, std::string> owner;  // dag id -> the file that defined it first
  for (const FolderEntry& entry : entries) {
    LoadedSpecText loaded = LoadEntry(entry, options);
    LoadedFile& file = loaded.file;
    for (size_t i = 0; i < file.dags.size(); ++i) {
      auto first = owner.find(file.dags[i].id);
      if (first != owner.end()) {
        file.errors.push_back(
            Diagnostic{loaded.id_locations[i],
                       "dag '" + file.dags[i].id + "' is already defined in " + first->second});
      }
    }
    if (file.ok()) {
      for (const DagSpec& dag : file.dags) owner.emplace(dag.id, file.path);
    } else {
      file.dags.clear();  // a file with any error yields no DAG
    }
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace sluice
