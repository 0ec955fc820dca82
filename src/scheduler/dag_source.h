#pragma once
// Where the scheduler gets DAGs from. The folder implementation polls the DAGs folder (stat of
// each entry; cheap for thousands of files) and reloads only files that changed, so a new,
// changed or deleted file takes effect on the next poll.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/dag_loader.h"

namespace sluice {

struct DagFileChange {
  std::string path;
  bool deleted = false;
  LoadedFile loaded;  // when not deleted: the file's DAGs, or its errors
};

class DagSource {
 public:
  virtual ~DagSource() = default;
  // Files that are new, changed or deleted since the last call; the first call returns all.
  virtual std::vector<DagFileChange> Poll() = 0;
  // Makes the next Poll() return every file again, as the first did (a scheduler that starts
  // over from the store needs every DAG again).
  virtual void Rewind() = 0;
};

// Polls `folder` for *.yaml, *.yml and executable *.dag files. A generator (*.dag) is re-run
// when its file changes and at least every `generator_refresh`.
std::unique_ptr<DagSource> CreateFolderDagSource(const std::string& folder,
                                                 GeneratorOptions options,
                                                 Duration generator_refresh);

}  // namespace sluice
