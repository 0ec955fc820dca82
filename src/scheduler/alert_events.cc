#include "scheduler/alert_events.h"

#include <algorithm>
#include <vector>

#include "scheduler/decision.h"
#include "scheduler/run_builder.h"

namespace sluice {
namespace {

// The log of the attempt that ended, when the batch records it.
std::string LogPath(const WriteBatch& writes, const EventRecord& e, int try_number) {
  for (auto it = writes.attempts.rbegin(); it != writes.attempts.rend(); ++it) {
    if (it->dag_id == e.dag_id && it->run_id == e.run_id && it->task_id == e.task_id &&
        it->map_index == e.map_index && it->try_number == try_number) {
      return it->log_path;
    }
  }
  return "";
}

// "failure", "retry", "success" for a state that alerts; empty otherwise.
std::string EventName(const std::string& to) {
  if (to == "failed") return "failure";
  if (to == "up_for_retry") return "retry";
  if (to == "success") return "success";
  return "";
}

const std::vector<std::string>& ListFor(const std::string& event,
                                        const std::vector<std::string>& on_failure,
                                        const std::vector<std::string>& on_retry,
                                        const std::vector<std::string>& on_success) {
  if (event == "failure") return on_failure;
  if (event == "retry") return on_retry;
  return on_success;
}

}  // namespace

TimePoint SlaDueTime(const RunRecord& run) {
  return run.type == RunType::kScheduled ? run.data_interval_end : run.queued_at;
}

void AddAlertDeliveries(WriteBatch* writes, const AlertLookup& lookup) {
  std::vector<DeliveryRecord> added;
  for (const EventRecord& e : writes->events) {
    const bool timer_event = e.kind == "sla_miss" || e.kind == "long_running";
    const bool task = e.kind == "task_state" || e.kind == "long_running";
    if (!timer_event && ((!task && e.kind != "run_state") || e.from == e.to)) continue;
    const std::string event = timer_event ? e.kind : EventName(e.to);
    // A run alerts on its end only; a task may also be retried.
    if (event.empty() || (!task && event == "retry")) continue;
    // A cancelled run's tasks did not fail on their own: the run's end alerts, once.
    if (task && e.detail == kCancelledByHand) continue;
    const DagSpec* dag = lookup.dag ? lookup.dag(e.dag_id) : nullptr;
    if (dag == nullptr) continue;
    std::vector<std::string> names;
    auto add = [&names](const std::vector<std::string>& list) {
      for (const std::string& name : list) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      }
    };
    DeliveryRecord d;
    if (task) {
      if (const TaskSpec* spec = dag->FindTask(e.task_id)) {
        add(event == "long_running"
                ? spec->on_long_running
                : ListFor(event, spec->on_failure, spec->on_retry, spec->on_success));
        d.max_tries = spec->retries + 1;
      }
      if (const TaskInstanceRecord* ti = WrittenTaskInstance(*writes, e)) {
        d.try_number = ti->try_number;
        if (d.max_tries > 0) d.max_tries += ti->retry_base;
      }
      d.task_id = e.task_id;
      d.map_index = e.map_index;
      d.log_path = LogPath(*writes, e, d.try_number);
    }
    if (event == "sla_miss") {
      add(dag->on_sla_miss);
    } else if (event == "long_running") {
      add(dag->on_long_running);
    } else {
      add(ListFor(event, dag->on_failure, dag->on_retry, dag->on_success));
    }
    if (names.empty()) continue;
    d.created = e.time;
    d.next_attempt = e.time;
    d.event = event;
    d.dag_id = e.dag_id;
    d.run_id = e.run_id;
    d.subject_state = e.to;
    if (timer_event) d.detail = e.detail;
    if (lookup.logical_date) d.logical_date = lookup.logical_date(e.dag_id, e.run_id);
    for (const std::string& name : names) {
      d.notifier = name;
      added.push_back(d);
    }
  }
  for (auto& d : added) writes->deliveries.push_back(std::move(d));
}

}  // namespace sluice
