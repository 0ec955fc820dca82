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
  std::string schedule_text;            // the schedule in words; empty when it has none
  std::optional<TimePoint> next_due;    // when the next scheduled run becomes due
  std::vector<std::string> errors;      // "FILE:LINE:COL: error: MSG" of its file
  // From the DAG's spec, for the API's list (empty for a file that yields no DAG).
  std::string description;
  std::string owner;
  std::vector<std::string> tags;
  std::string timezone;
};

// One row per DAG and one per file that yields no DAG (DESIGN.md §3 `dags list`), by file. DAGs
// come as the scheduler last loaded them (the store's version and its file's errors), so a DAG
// whose file is broken, or whose id is defined twice, keeps one row with the errors. Files the
// store has no DAG from are read now (generators only while no scheduler runs: it runs them).
Result<std::vector<DagListRow>> ListDags(const Context& ctx);

// A DAG's schedule as `dags list` and `dags show` print it; empty when it has none.
std::string ScheduleText(const DagSpec& dag);

// A DAG's schedule in words for the API ("at 18:30, Monday through Friday",
// time/schedule_words.h); empty when it has none.
std::string ScheduleWords(const DagSpec& dag);

}  // namespace sluice::control
