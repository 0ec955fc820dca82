#pragma once
// sluice.yaml `log_retention`: the scheduler deletes the attempt logs of runs that ended
// (success or failed) longer ago than the retention, and the run folders that leaves empty.
// A sweep runs at start and then every `interval`, in small batches on the scheduler's loop
// (a few run folders per turn), so a large backlog never holds the loop up, and no command
// (a `tasks clear` that reopens a run) can interleave with the check of a folder's run.
//
// Work is proportional to the logs still on disk, not to the history: the sweep walks the logs
// folder, whose removed runs are gone, and asks the store about each run folder it finds.
// Threading: not thread-safe; called from the driver's loop.

#include <string>
#include <vector>

#include "sluice/clock.h"
#include "sluice/store.h"

namespace sluice {

struct LogRetentionOptions {
  std::string logs_dir;  // $SLUICE_HOME/logs: DAG/RUN/TASK.TRY.log
  Duration retention;    // more than zero
  Duration interval = std::chrono::hours(1);
  size_t batch = 64;  // run folders looked at per Step
};

class LogRetention {
 public:
  LogRetention(LogRetentionOptions options, Store& store);

  // Does one batch of the current sweep, or starts a sweep when one is due. At a sweep's end
  // logs one info line with how many logs it removed. Store and file errors are logged and the
  // folder is tried again at the next sweep.
  void Step(TimePoint now);

  // Logs removed by the sweeps so far.
  int removed_total() const { return removed_total_; }
  bool sweeping() const { return sweeping_; }

 private:
  // Deletes the logs of the run folder `dag_dir/run_id` if its run ended before `cutoff`.
  void SweepRun(const std::string& dag_id, const std::string& run_id, TimePoint cutoff);

  LogRetentionOptions options_;
  Store& store_;
  TimePoint next_sweep_{};  // the first Step starts one
  bool sweeping_ = false;
  TimePoint cutoff_{};             // runs that ended before it lose their logs, fixed for a sweep
  std::vector<std::string> dags_;  // the DAG folders of this sweep, next last
  std::string dag_;                // the DAG folder being swept
  std::vector<std::string> runs_;  // its run folders left, next last
  int removed_ = 0;                // in this sweep
  int runs_emptied_ = 0;
  int removed_total_ = 0;
};

}  // namespace sluice
