#pragma once
// Generated DAGs (LoadGeneratedDags in core/dag_loader.h), with the locations the folder loader
// needs to report a DAG id defined twice.

#include <string>

#include "core/dag_loader.h"
#include "core/spec_text.h"

namespace sluice {

// Runs the generator `path` and loads what it printed. Locations in spec errors count lines and
// columns of its stdout.
LoadedSpecText LoadGeneratedSpecs(const std::string& path, const GeneratorOptions& options);

}  // namespace sluice
