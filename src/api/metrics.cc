#include "api/metrics.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <vector>

namespace sluice::api {
namespace {

// Seconds written exactly from microseconds ("0.0001", "2.5", "10"): no float rounding, so a
// bucket's `le` reads as the bound it is.
std::string Seconds(Duration d) {
  const int64_t us = d.count();
  std::string out = us < 0 ? "-" : "";
  const uint64_t abs = us < 0 ? 0 - static_cast<uint64_t>(us) : static_cast<uint64_t>(us);
  out += std::to_string(abs / 1'000'000);
  uint64_t frac = abs % 1'000'000;
  if (frac == 0) return out;
  std::string digits = std::to_string(frac);
  digits.insert(0, 6 - digits.size(), '0');
  digits.erase(digits.find_last_not_of('0') + 1);
  return out + "." + digits;
}

// The HELP and TYPE lines that open a family.
void Family(std::string* out, const char* name, const char* type, const char* help) {
  *out += "# HELP ";
  *out += name;
  *out += ' ';
  *out += help;
  *out += "\n# TYPE ";
  *out += name;
  *out += ' ';
  *out += type;
  *out += '\n';
}

// NAME{LABELS} VALUE, LABELS already formatted (empty: none).
void Sample(std::string* out, const std::string& name, const std::string& labels,
            const std::string& value) {
  *out += name;
  if (!labels.empty()) *out += "{" + labels + "}";
  *out += ' ';
  *out += value;
  *out += '\n';
}

std::string Label(const char* name, const std::string& value) {
  return std::string(name) + "=\"" + EscapeLabelValue(value) + "\"";
}

void StateCounts(std::string* out, const char* name, const char* help,
                 const std::vector<Store::StateCount>& counts) {
  Family(out, name, "gauge", help);
  for (const auto& c : counts) {
    Sample(out, name, Label("dag", c.dag_id) + "," + Label("state", c.state),
           std::to_string(c.count));
  }
}

// One histogram's samples: its cumulative buckets, +Inf, sum and count. `labels` may be empty.
template <typename Bounds, typename Counts>
void Histogram(std::string* out, const std::string& name, const std::string& labels,
               const Bounds& bounds, const Counts& cumulative, uint64_t count, Duration sum) {
  const std::string prefix = labels.empty() ? "" : labels + ",";
  for (size_t i = 0; i < bounds.size(); ++i) {
    Sample(out, name + "_bucket", prefix + Label("le", Seconds(bounds[i])),
           std::to_string(cumulative[i]));
  }
  Sample(out, name + "_bucket", prefix + Label("le", "+Inf"), std::to_string(count));
  Sample(out, name + "_sum", labels, Seconds(sum));
  Sample(out, name + "_count", labels, std::to_string(count));
}

// The files of the DAGs whose last load found errors, as the scheduler recorded them in the
// store; a file that defines several such DAGs counts once, a deleted DAG's not at all.
Result<int64_t> FilesWithErrors(Store& store) {
  SLUICE_ASSIGN_OR_RETURN(auto dags, store.ListDags());
  std::set<std::string> files;
  for (const DagRecord& d : dags) {
    if (d.deleted) continue;
    auto errors = nlohmann::json::parse(d.errors_json, nullptr, /*allow_exceptions=*/false);
    // A record whose errors do not parse was not written by Sluice; it still has something wrong.
    if (errors.is_discarded() || !errors.is_array() || !errors.empty()) files.insert(d.file);
  }
  return static_cast<int64_t>(files.size());
}

void Gauge(std::string* out, const char* name, const char* help, int64_t value) {
  Family(out, name, "gauge", help);
  Sample(out, name, "", std::to_string(value));
}

void Counter(std::string* out, const char* name, const char* help, uint64_t value) {
  Family(out, name, "counter", help);
  Sample(out, name, "", std::to_string(value));
}

Result<std::string> Render(Store& store, const SchedulerStats* stats) {
  SLUICE_ASSIGN_OR_RETURN(auto runs, store.CountRunsByState());
  SLUICE_ASSIGN_OR_RETURN(auto task_instances, store.CountTaskInstancesByState());
  const std::vector<Duration> bounds(kAttemptDurationBounds.begin(), kAttemptDurationBounds.end());
  SLUICE_ASSIGN_OR_RETURN(auto durations, store.AttemptDurations(bounds));

  std::string out;
  StateCounts(&out, "sluice_runs", "DAG runs in the store, by DAG and state.", runs);
  StateCounts(&out, "sluice_task_instances",
              "Task instances in the store, by DAG and state (queued: waiting for an executor).",
              task_instances);
  Family(&out, "sluice_attempt_duration_seconds", "histogram",
         "How long ended task attempts ran, by DAG.");
  for (const auto& h : durations) {
    Histogram(&out, "sluice_attempt_duration_seconds", Label("dag", h.dag_id),
              kAttemptDurationBounds, h.cumulative, static_cast<uint64_t>(h.count), h.sum);
  }
  // The scheduler has read every file, those that define no DAG included, which the store
  // cannot know of: its count is preferred when it runs here.
  std::optional<SchedulerStats::Snapshot> s;
  if (stats != nullptr) s = stats->Read();
  int64_t file_errors = 0;
  if (s) {
    file_errors = s->figures.dag_file_errors;
  } else {
    SLUICE_ASSIGN_OR_RETURN(file_errors, FilesWithErrors(store));
  }
  Gauge(&out, "sluice_dag_file_errors", "DAG files whose last load found errors.", file_errors);
  if (!s) return out;

  Family(&out, "sluice_scheduler_turn_latency_seconds", "histogram",
         "Scheduler loop turns, from the events that woke a turn to its commit done.");
  Histogram(&out, "sluice_scheduler_turn_latency_seconds", "", SchedulerStats::kTurnLatencyBounds,
            s->turn_latency_cumulative, s->turns, s->turn_latency_sum);
  Counter(&out, "sluice_scheduler_turns_total", "Scheduler loop turns since it started.", s->turns);
  Counter(&out, "sluice_scheduler_commits_total",
          "Store transactions the scheduler committed since it started.", s->figures.commits);
  Gauge(&out, "sluice_scheduler_queued_tasks",
        "Task instances ready to start and waiting for a free slot.", s->figures.queued_tasks);
  Gauge(&out, "sluice_scheduler_active_runs",
        "Open (queued or running) DAG runs the scheduler holds.", s->figures.active_runs);
  Gauge(&out, "sluice_executor_slots_used", "Executor slots in use: attempts running now.",
        s->figures.running_attempts);
  Gauge(&out, "sluice_executor_slots_capacity", "Executor slots in all (parallelism).",
        s->figures.parallelism);
  return out;
}

}  // namespace

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::string> RenderMetrics(Store& store, const SchedulerStats* stats) {
  auto rendered = Render(store, stats);
  if (!rendered.ok()) return rendered.status().WithContext("metrics");
  return rendered;
}

}  // namespace sluice::api
