#pragma once
// sluice dags list: every DAG of the folder with its state, and every file that yields none.

#include <optional>
#include <string>
#include <vector>

#include "control/context.h"
#include "sluice/dag.h"

namespace sluice::control {

struct DagListRow {
  std::optional<std::string> dag;  // none: a file that yields no DAG
  std::string file;
  bool paused = false;
  std::optional<std::string> schedule;  // as written; " (trigger)" added for mode trigger
  std::optional<TimePoint> next_due;    // when the next scheduled run becomes due
  std::vector<std::string> errors;      // "FILE:LINE:COL: error: MSG" of its file
};

// One row per DAG and one per file that yields no DAG (DESIGN.md §3 `dags list`), in folder
// order. A DAG whose file is now broken keeps its row, from its last good version in the store,
// with the file's errors.
Result<std::vector<DagListRow>> ListDags(const Context& ctx);

// A DAG's schedule as `dags list` and `dags show` print it; empty when it has none.
std::string ScheduleText(const DagSpec& dag);

}  // namespace sluice::control
