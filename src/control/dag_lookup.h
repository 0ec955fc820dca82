#pragma once
// Finding DAGs: as the scheduler last loaded them (the store keeps every DAG version), in the
// configured folder, or in files named on the command line.

#include <optional>
#include <string>
#include <vector>

#include "control/config.h"
#include "control/context.h"
#include "core/dag_loader.h"

namespace sluice::control {

// Every file of the DAGs folder, loaded (generators run), with its DAGs and its errors.
std::vector<LoadedFile> LoadDagsFolder(const Config& config);

// Loads each path: a folder as a DAGs folder, a file as a DAG file (`.dag` runs as a generator);
// a path that does not exist, or cannot be read (a symlink loop), yields a file with the error.
std::vector<LoadedFile> LoadDagPaths(const std::vector<std::string>& paths);

// True when `ref` names a file rather than a DAG id: it has a '/' or ends in .yaml, .yml, .dag.
bool IsDagFileRef(const std::string& ref);

// The current version of `dag_id` as the store has it (what the scheduler last loaded, which it
// keeps running while the DAG's file is broken), or none when the store has no live version of
// it (never loaded, or its file was deleted).
Result<std::optional<DagSpec>> StoredDag(Store& store, const std::string& dag_id);

// A DAG by id or, when `ref` is a file, the (first) DAG that file defines (read now). An id is
// looked up in the store first (StoredDag), so the CLI acts on the version the scheduler runs,
// without running any generator; only an id the store has no live version of is looked for in
// the folder (generators run), as on a fresh home before any scheduler ran. Errors: kNotFound
// (UnknownDag, or "no such file: F"); kInvalidArgument with the diagnostics of the file when
// `ref` is a broken file, or the error naming the id when its file in the folder is broken.
Result<DagSpec> FindDag(const Context& ctx, const std::string& ref);

// kNotFound "no dag 'ID'; did you mean 'OTHER'?" when a known DAG id (the store's, and
// `more_ids`) is a likely typo of `dag_id`, else "no dag 'ID' in DAGS_FOLDER".
Status UnknownDag(const Context& ctx, const std::string& dag_id,
                  const std::vector<std::string>& more_ids = {});

}  // namespace sluice::control
