#include "control/run_list.h"

#include <cctype>

#include "control/dag_lookup.h"
#include "time/duration.h"
#include "time/time_format.h"

namespace sluice::control {

Result<TimePoint> ParseSince(std::string_view text, TimePoint now) {
  const Status invalid = Status::Invalid(
      "invalid --since '" + std::string(text) +
      "' (use a date 2025-03-04, a UTC date and time 2025-03-04T05:06:07Z, or a duration back "
      "from now: 30m, 2h, 3d)");
  // A date starts with its four-digit year and a dash; anything else must be a duration.
  if (text.size() >= 5 && text[4] == '-') {
    auto t = ParseTimePoint(text, TimeZone::Utc());
    if (!t.ok()) return invalid;
    return *t;
  }
  // A bare number would be seconds to a DAG file but reads like a year here: a unit is required.
  if (text.empty() || !std::isalpha(static_cast<unsigned char>(text.back()))) return invalid;
  auto d = ParseDuration(text);
  if (!d.ok()) return invalid;
  return now - *d;
}

Result<std::vector<RunRecord>> ListRuns(const Context& ctx, const RunListQuery& query) {
  RunFilter filter;
  if (!query.state.empty()) {
    auto s = ParseRunState(query.state);
    if (!s) {
      return Status::Invalid("unknown run state '" + query.state +
                             "' (use queued, running, success or failed)");
    }
    filter.state = *s;
  }
  if (!query.since.empty()) {
    SLUICE_ASSIGN_OR_RETURN(filter.since, ParseSince(query.since, ctx.clock.Now()));
  }
  if (query.limit < 0) {
    return Status::Invalid("invalid --limit " + std::to_string(query.limit) +
                           " (use a number of runs, 1 or more)");
  }
  if (query.limit > 0) filter.limit = query.limit;
  filter.after = query.after;
  if (!query.dag.empty()) {
    // A DAG neither the store nor the DAGs folder knows is a typo, not an empty history. A
    // deleted DAG's row stays in the store, so its runs can still be listed.
    SLUICE_ASSIGN_OR_RETURN(auto dag, ctx.store.GetDag(query.dag));
    if (!dag) {
      SLUICE_RETURN_IF_ERROR(FindDag(ctx, query.dag).status());
    }
    filter.dag_id = query.dag;
  }
  return ctx.store.ListRuns(filter);
}

}  // namespace sluice::control
