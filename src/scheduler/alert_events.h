#pragma once
// Which alerts a committed batch causes (issue 14): for each task or run transition in its
// events, the notifiers that the DAG's `on_failure`, `on_retry` and `on_success` keys name.
// A pure function of the batch and the DAGs, like decision_log.h; the driver adds the deliveries
// to the batch before it commits it, so an alert and its transition are stored together.
//
// Events: a task that becomes failed (`failure`), up_for_retry (`retry`) or success (`success`)
// alerts the task's list and its DAG's (a DAG-level list applies to every task); a run that
// ends failed or success alerts the DAG's list. A notifier named twice is alerted once.
// upstream_failed and skipped alert no one, nor do the tasks `runs cancel` fails (its run's end
// alerts).
// The planner's alert timers (alert_timers.cc) add events of their own: "sla_miss" (a run not
// done `sla` after its due time) alerts the DAG's on_sla_miss; "long_running" (an attempt past
// its threshold) alerts the task's and its DAG's on_long_running. Their detail goes into the
// delivery.

#include <functional>
#include <optional>
#include <string>

#include "sluice/dag.h"
#include "sluice/store.h"

namespace sluice {

struct AlertLookup {
  // The DAG's current version, or null when it is unknown (then its events alert no one).
  std::function<const DagSpec*(const std::string& dag_id)> dag;
  // The run's logical date, when known.
  std::function<std::optional<TimePoint>(const std::string& dag_id, const std::string& run_id)>
      logical_date;
};

// When a run is due, for its SLA: a scheduled run at the end of its data interval (for a trigger
// schedule, its logical date), any other run when it was created (queued_at: a manual run's
// trigger time, whatever logical date it was given).
TimePoint SlaDueTime(const RunRecord& run);

// Appends to writes->deliveries one pending delivery per (event, notifier), due at once.
void AddAlertDeliveries(WriteBatch* writes, const AlertLookup& lookup);

}  // namespace sluice
