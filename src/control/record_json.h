#pragma once
// The JSON shapes of runs, task instances and attempts, shared by the CLI's `--output json`
// and the HTTP API, so a field means the same in both and is added to both at once (fields are
// added, never renamed: DESIGN.md §3).
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "control/task_why.h"
#include "sluice/store.h"

namespace sluice::control {

// ISO-8601 UTC with `Z`, or null.
nlohmann::json JsonTime(const std::optional<TimePoint>& t);
// Seconds (to the microsecond) from `start` to `end`, or to `now` while it goes on; null before
// it started.
nlohmann::json JsonDuration(const std::optional<TimePoint>& start,
                            const std::optional<TimePoint>& end, TimePoint now);
// A list of {"rule", "text", ...the rule's own fields}.
nlohmann::json JsonExplanations(const std::vector<Explanation>& explanations);

// {"dag", "run_id", "state", "logical_date", "start", "end", "duration", "sla_missed",
// "sla_missed_at"}: the `runs list --output json` row.
nlohmann::json RunJson(const RunRecord& run, TimePoint now);
// RunJson and what the API adds: "type", "data_interval_start", "data_interval_end",
// "queued_at", "params".
nlohmann::json RunDetailJson(const RunRecord& run, TimePoint now);

// The `tasks list --output json` row of a task instance: {"task", "map_index", "state",
// "tries", "start", "end", "duration", "failure", "log_note", "pokes", "last_poke",
// "last_poke_at", "blocked_by"}, plus "summary" and "next_try_at". `newest`: its newest
// attempt, when it has one.
nlohmann::json TaskJson(const TaskWhy& why, const AttemptRecord* newest, TimePoint now);

// {"try", "state", "start", "end", "duration", "exit_code", "signal", "timed_out", "host",
// "reason", "log_note"}; never the log's path or the supervisor's pid.
nlohmann::json AttemptJson(const AttemptRecord& attempt, TimePoint now);

// The newest attempt of `task` among `attempts` (any order); null when it has none.
const AttemptRecord* NewestAttempt(const std::vector<AttemptRecord>& attempts,
                                   const TaskInstanceRecord& task);

}  // namespace sluice::control
