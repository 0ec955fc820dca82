#pragma once
// `sluice runs list`: runs of the store, filtered, newest logical date first.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/context.h"
#include "sluice/store.h"

namespace sluice::control {

struct RunListQuery {
  std::string dag;    // empty: every DAG
  std::string state;  // empty: any; else queued, running, success or failed
  std::string since;  // empty: no bound; else as ParseSince reads it
  int limit = 0;      // 0: no limit; else at most this many runs (after the other filters)
  // Paging: only the runs after this one in the list's order (RunFilter::after).
  std::optional<RunFilter::Position> after;
};

// `--since`: a UTC date `2025-03-04`, a UTC date and time `2025-03-04T05:06[:07]` (a `Z` or an
// offset `+01:00` may follow), or a duration back from `now` with its unit: `45s`, `30m`, `2h`,
// `3d`, `1h30m`. Error (kInvalidArgument): "invalid --since 'X' (use a date 2025-03-04, a UTC
// date and time 2025-03-04T05:06:07Z, or a duration back from now: 30m, 2h, 3d)".
Result<TimePoint> ParseSince(std::string_view text, TimePoint now);

// The runs `query` selects. Errors (kInvalidArgument): an unknown state, a bad --since, a limit
// below 0; (kNotFound) "no dag 'D' in FOLDER" for a DAG neither the store nor the DAGs folder
// has; FindDag's errors for a broken file in the folder; the store's.
Result<std::vector<RunRecord>> ListRuns(const Context& ctx, const RunListQuery& query);

}  // namespace sluice::control
