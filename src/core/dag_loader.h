#pragma once
// Loading and validating DAG files (DESIGN.md §2). Every error in a file is reported at once, as
// `FILE:LINE:COL: error: MESSAGE`, in file order; a file with any error yields no DAG.

#include <string>
#include <vector>

#include "sluice/dag.h"
#include "sluice/status.h"

namespace sluice {

struct Diagnostic {
  SourceLocation location;
  std::string message;
  // "FILE:LINE:COL: error: MESSAGE"
  std::string ToString() const;
};

// What one file yields: the DAGs it defines when it is valid, or the errors.
struct LoadedFile {
  std::string path;
  std::vector<DagSpec> dags;
  std::vector<Diagnostic> errors;
  // Where each DAG's id is written (its `dag` value), parallel to `dags`: a DAG id defined in
  // two files is an error at this place in each.
  std::vector<SourceLocation> id_locations;
  bool ok() const { return errors.empty(); }
};

// Loads a YAML file of one DAG spec (or several as a YAML stream of documents).
LoadedFile LoadDagFile(const std::string& path);
// Parses `text` as if it were the file `path` (tests, generated DAGs, fuzzing).
LoadedFile LoadDagText(const std::string& path, const std::string& text);

struct GeneratorOptions {
  Duration time_limit = std::chrono::seconds(30);
  // false: LoadDagFolder skips `*.dag` files (they yield no entry), for a caller that must not
  // wait for a generator (the CLI while a scheduler runs them).
  bool run = true;
};
// Runs the executable `path` (a `*.dag` file) with its folder as cwd and loads its stdout: YAML
// documents or JSON (one object or a list of objects). A non-zero exit, a timeout or bad output
// is reported as errors on `path`, e.g. `x.dag:1:1: error: generator exited with status 3: <last
// stderr line>`.
LoadedFile LoadGeneratedDags(const std::string& path, const GeneratorOptions& options);

// Every `*.yaml`, `*.yml` and executable `*.dag` file directly in `folder`, sorted by path,
// loaded. A DAG id defined in more than one file is an error on each of them (at its `dag`
// value, naming the other file's place), so none of them yields it: one id, one definition.
// A folder or entry that cannot be read (a symlink loop) is an error on its path.
std::vector<LoadedFile> LoadDagFolder(const std::string& folder, const GeneratorOptions& options);

// The canonical JSON of a spec (stable key order; what DagSpec::hash is computed over), and
// back. DagFromJson(DagToJson(d)) == d, field for field.
std::string DagToJson(const DagSpec& dag);
Result<DagSpec> DagFromJson(const std::string& text);

}  // namespace sluice
