#pragma once
// Generated DAGs (LoadGeneratedDags in core/dag_loader.h), with the locations the folder loader
// needs to report a DAG id defined twice.

#include <string>

#include "core/dag_loader.h"
#include "core/generator_process.h"
#include "core/spec_text.h"

namespace sluice {

// Runs the generator `path` and loads what it printed. Locations in spec errors count lines and
// columns of its stdout.
LoadedSpecText LoadGeneratedSpecs(const std::string& path, const GeneratorOptions& options);
// What a finished generator run (or its failure to start) yields for the file `path`, given the
// time limit it ran under: its DAGs, or one error on `path` saying why it failed.
LoadedSpecText GeneratedSpecs(const std::string& path, const Result<GeneratorRun>& run,
                              Duration time_limit);

}  // namespace sluice
