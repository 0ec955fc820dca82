#include "scheduler/decision_log.h"

#include "scheduler/decision.h"
#include "time/time_format.h"
#include "util/strings.h"

namespace sluice {
namespace {

std::string TaskName(const EventRecord& e) {
  std::string name = e.dag_id + "/" + e.run_id + "/" + e.task_id;
  if (e.map_index) name += "[" + std::to_string(*e.map_index) + "]";
  return name;
}

std::string TaskLine(const WriteBatch& writes, const EventRecord& e) {
  const TaskInstanceRecord* ti = WrittenTaskInstance(writes, e);
  std::string line = "task " + TaskName(e);
  if (ti != nullptr && ti->try_number > 0) line += " try " + std::to_string(ti->try_number);
  // A lost attempt's detail is its error, "lost: ...": it says what happened by itself.
  const bool lost = StartsWith(e.detail, "lost");
  line += lost ? " lost (" + e.detail + ")" : " failed (" + e.detail + ")";
  if (e.to == "up_for_retry") {
    line += "; retry";
    if (ti != nullptr && ti->next_try_at) line += " at " + FormatIsoUtc(*ti->next_try_at);
  } else {
    line += "; task failed";
  }
  return line;
}

}  // namespace

std::vector<std::string> DecisionLogLines(const WriteBatch& writes) {
  std::vector<std::string> lines;
  for (const EventRecord& e : writes.events) {
    if (e.kind == "run_state") {
      if (e.from.empty()) {
        lines.push_back("run " + e.dag_id + "/" + e.run_id + " created (" + e.detail + ")");
      } else if (e.from == "queued" && e.to == "running") {
        // A run `dags trigger` wrote is created outside the scheduler: this is its first line.
        lines.push_back("run " + e.dag_id + "/" + e.run_id + " started");
      } else if (e.to == "success" || e.to == "failed") {
        lines.push_back("run " + e.dag_id + "/" + e.run_id + " ended " + e.to);
      }
    } else if (e.kind == "task_state" && e.from == "running" &&
               (e.to == "failed" || e.to == "up_for_retry")) {
      lines.push_back(TaskLine(writes, e));
    }
  }
  return lines;
}

std::vector<std::string> DecisionWarnings(const WriteBatch& writes) {
  std::vector<std::string> lines;
  for (const AttemptRecord& a : writes.attempts) {
    if (a.log_note.empty() || a.state == AttemptState::kRunning) continue;
    std::string name = a.dag_id + "/" + a.run_id + "/" + a.task_id;
    if (a.map_index) name += "[" + std::to_string(*a.map_index) + "]";
    lines.push_back("task " + name + " try " + std::to_string(a.try_number) + ": " + a.log_note);
  }
  // The alert timers' findings (alert_timers.cc), said whether or not anyone is alerted.
  for (const EventRecord& e : writes.events) {
    if (e.kind == "sla_miss") {
      lines.push_back("run " + e.dag_id + "/" + e.run_id + " missed its SLA: " + e.detail);
    } else if (e.kind == "long_running") {
      lines.push_back("task " + TaskName(e) + " is running long: " + e.detail);
    }
  }
  return lines;
}

}  // namespace sluice
