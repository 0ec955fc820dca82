#pragma once
// Finding DAGs: in the configured folder, or in files named on the command line.

#include <string>
#include <vector>

#include "control/config.h"
#include "core/dag_loader.h"

namespace sluice::control {

// Every file of the DAGs folder, loaded (generators run), with its DAGs and its errors.
std::vector<LoadedFile> LoadDagsFolder(const Config& config);

// Loads each path: a folder as a DAGs folder, a file as a DAG file (`.dag` runs as a generator);
// a path that does not exist yields a file with the error "no such file or directory".
std::vector<LoadedFile> LoadDagPaths(const std::vector<std::string>& paths);

// True when `ref` names a file rather than a DAG id: it has a '/' or ends in .yaml, .yml, .dag.
bool IsDagFileRef(const std::string& ref);

// A DAG by id from the folder or, when `ref` is a file, the (first) DAG that file defines.
// Errors: kNotFound "no dag 'x' in /path/to/dags" or "no such file: F"; kInvalidArgument with
// the file's diagnostics when the file (or the file defining the id) is broken.
Result<DagSpec> FindDag(const Config& config, const std::string& ref);

}  // namespace sluice::control
