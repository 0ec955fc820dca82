#pragma once
// Loading DAG specs from text: the step shared by YAML files, generator output and tests.

#include <string>
#include <vector>

#include "core/dag_loader.h"

namespace sluice {

struct SpecTextOptions {
  // Generators may print a JSON list of specs; a YAML file holds documents instead.
  bool allow_list = false;
  // The message when the text holds no spec at all.
  std::string empty_message = "the file defines no DAG (expected a mapping with 'dag' and 'tasks')";
};

struct LoadedSpecText {
  LoadedFile file;
  std::vector<SourceLocation> id_locations;  // of each DAG's `dag` value, parallel to file.dags
};

// Parses, validates and hashes every spec in `text`, reported as the file `path`.
LoadedSpecText LoadSpecText(const std::string& path, const std::string& text,
                            const SpecTextOptions& options);

}  // namespace sluice
