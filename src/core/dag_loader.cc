// The loader's entry points for files and text (generators and folders are in their own files).

#include "core/dag_loader.h"

#include "core/spec_text.h"
#include "util/file.h"

namespace sluice {

std::string Diagnostic::ToString() const {
  return location.file + ":" + std::to_string(location.line) + ":" +
         std::to_string(location.column) + ": error: " + message;
}

LoadedFile LoadDagText(const std::string& path, const std::string& text) {
  return LoadSpecText(path, text, SpecTextOptions()).file;
}

LoadedFile LoadDagFile(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) {
    LoadedFile file;
    file.path = path;
    file.errors.push_back(Diagnostic{SourceLocation{path, 1, 1}, text.status().message()});
    return file;
  }
  return LoadDagText(path, *text);
}

}  // namespace sluice
