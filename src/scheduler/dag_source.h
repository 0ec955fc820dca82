#pragma once
// Where the scheduler gets DAGs from. The folder implementation polls the DAGs folder (stat of
// each entry; cheap for thousands of files) and reloads only files that changed, so a new,
// changed or deleted file takes effect on the next poll. Generators (`*.dag`) run beside the
// scheduler's loop: their results come later, through TakeFinished().

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/dag_loader.h"
#include "util/event_loop.h"

namespace sluice {

struct DagFileChange {
  std::string path;
  bool deleted = false;
  LoadedFile loaded;  // when not deleted: the file's DAGs, or its errors
};

class DagSource {
 public:
  virtual ~DagSource() = default;
  // Files that are new, changed or deleted since the last call; the first call returns all (but
  // those whose loading is still under way, which TakeFinished() returns when it ends).
  virtual std::vector<DagFileChange> Poll() = 0;
  // Files whose loading ended since the last call (a generator finished, failed or was killed
  // at its limit). Cheap: the driver asks every turn.
  virtual std::vector<DagFileChange> TakeFinished() { return {}; }
  // Makes the next Poll() return every file again, as the first did (a scheduler that starts
  // over from the store needs every DAG again).
  virtual void Rewind() = 0;
};

// Polls `folder` for *.yaml, *.yml and executable *.dag files. A generator (*.dag) is re-run
// when its file changes and at least every `generator_refresh`; it runs without blocking: its
// pipes, its exit and its time limit (options.time_limit, in `loop`'s time) are watched by
// `loop`, and at the limit its process group is killed and the file reported broken. One
// generator of a file runs at a time. Borrows `loop`, which must outlive the source; destroying
// the source kills the generators still running.
std::unique_ptr<DagSource> CreateFolderDagSource(const std::string& folder,
                                                 GeneratorOptions options,
                                                 Duration generator_refresh, EventLoop& loop);

}  // namespace sluice
