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
  std::vector<Diagnostic> broken;  // entries that cannot be read
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    bool generator = false;
    // Hidden files are editors' swap and backup files, not DAGs.
    if (StartsWith(name, ".") || !IsDagFileName(name, &generator)) continue;
    if (generator && !options.run) continue;
    std::error_code type_ec;
    const fs::file_status status = fs::status(it->path(), type_ec);  // follows symlinks
    if (type_ec && status.type() != fs::file_type::not_found) {
      // A symlink loop or an unreadable entry: an error on its path, never an exception.
      broken.push_back(Diagnostic{SourceLocation{it->path().string(), 1, 1}, type_ec.message()});
      continue;
    }
    if (!fs::is_regular_file(status)) continue;
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
  for (const FolderEntry& entry : entries) files.push_back(LoadEntry(entry, options).file);
  std::sort(broken.begin(), broken.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.location.file < b.location.file;
  });
  for (const Diagnostic& d : broken) {
    LoadedFile file;
    file.path = d.location.file;
    file.errors.push_back(d);
    files.push_back(std::move(file));
  }
  // Each id's definitions, in files without errors of their own: (file index, DAG index).
  std::map<std::string, std::vector<std::pair<size_t, size_t>>> definitions;
  for (size_t f = 0; f < files.size(); ++f) {
    for (size_t i = 0; i < files[f].dags.size(); ++i) {
      definitions[files[f].dags[i].id].emplace_back(f, i);
    }
  }
  for (const auto& [id, places] : definitions) {
    if (places.size() < 2) continue;
    for (const auto& [f, i] : places) {
      for (const auto& [g, j] : places) {
        if (g == f) continue;
        const SourceLocation& other = files[g].id_locations[j];
        files[f].errors.push_back(
            Diagnostic{files[f].id_locations[i], "dag '" + id + "' is also defined in " +
                                                     other.file + ":" + std::to_string(other.line) +
                                                     ":" + std::to_string(other.column)});
      }
    }
  }
  for (LoadedFile& file : files) {
    if (file.ok()) continue;
    file.dags.clear();  // a file with any error yields no DAG
    file.id_locations.clear();
  }
  return files;
}

}  // namespace sluice
