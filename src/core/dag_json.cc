#include "core/dag_json.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/dag_loader.h"
#include "time/duration.h"
#include "time/time_format.h"
#include "time/time_zone.h"
#include "util/hash.h"

namespace sluice {
namespace {

using nlohmann::json;

// A duration as DAG files write it ("2m"); one a file cannot write (sub-second parts) as a
// number of microseconds, so every value survives the round trip.
json DurationJson(Duration d) {
  std::string text = FormatDuration(d);
  Result<Duration> back = ParseDuration(text);
  if (back.ok() && *back == d) return text;
  return d.count();
}

Duration DurationFrom(const json& j) {
  if (j.is_number_integer()) return Duration(j.get<Duration::rep>());
  Result<Duration> d = ParseDuration(j.get<std::string>());
  if (!d.ok()) throw std::invalid_argument(d.status().message());
  return *d;
}

json OptionalDuration(const std::optional<Duration>& d) {
  return d ? DurationJson(*d) : json(nullptr);
}
std::optional<Duration> OptionalDurationFrom(const json& j) {
  if (j.is_null()) return std::nullopt;
  return DurationFrom(j);
}

json OptionalTime(const std::optional<TimePoint>& t) {
  return t ? json(FormatIsoUtc(*t)) : json(nullptr);
}
std::optional<TimePoint> OptionalTimeFrom(const json& j) {
  if (j.is_null()) return std::nullopt;
  Result<TimePoint> t = ParseTimePoint(j.get<std::string>(), TimeZone::Utc());
  if (!t.ok()) throw std::invalid_argument(t.status().message());
  return *t;
}

json TaskJson(const TaskSpec& t) {
  json j = json::object();
  j["id"] = t.id;
  j["kind"] = t.kind == TaskKind::kRun ? "run" : "exec";
  j["run"] = t.run;
  j["exec"] = t.exec;
  j["needs"] = t.needs;
  j["trigger"] = TriggerRuleName(t.trigger);
  j["retries"] = t.retries;
  j["retry_delay"] = DurationJson(t.retry_delay);
  j["retry_backoff"] = t.retry_backoff == RetryBackoff::kFixed ? "fixed" : "exponential";
  j["max_retry_delay"] = OptionalDuration(t.max_retry_delay);
  j["timeout"] = OptionalDuration(t.timeout);
  j["env"] = t.env;
  j["cwd"] = t.cwd;
  j["pool"] = t.pool;
  j["priority"] = t.priority;
  j["skip_exit_code"] = t.skip_exit_code;
  j["depends_on_past"] = t.depends_on_past;
  j["on_failure"] = t.on_failure;
  j["on_retry"] = t.on_retry;
  j["on_success"] = t.on_success;
  j["location"] = {
      {"file", t.location.file}, {"line", t.location.line}, {"column", t.location.column}};
  return j;
}

TaskSpec TaskFrom(const json& j) {
  TaskSpec t;
  t.id = j.at("id").get<std::string>();
  std::string kind = j.at("kind").get<std::string>();
  if (kind != "run" && kind != "exec") throw std::invalid_argument("unknown task kind " + kind);
  t.kind = kind == "run" ? TaskKind::kRun : TaskKind::kExec;
  t.run = j.at("run").get<std::string>();
  t.exec = j.at("exec").get<std::vector<std::string>>();
  t.needs = j.at("needs").get<std::vector<std::string>>();
  auto rule = ParseTriggerRule(j.at("trigger").get<std::string>());
  if (!rule) throw std::invalid_argument("unknown trigger rule");
  t.trigger = *rule;
  t.retries = j.at("retries").get<int>();
  t.retry_delay = DurationFrom(j.at("retry_delay"));
  std::string backoff = j.at("retry_backoff").get<std::string>();
  if (backoff != "fixed" && backoff != "exponential") {
    throw std::invalid_argument("unknown retry_backoff " + backoff);
  }
  t.retry_backoff = backoff == "fixed" ? RetryBackoff::kFixed : RetryBackoff::kExponential;
  t.max_retry_delay = OptionalDurationFrom(j.at("max_retry_delay"));
  t.timeout = OptionalDurationFrom(j.at("timeout"));
  t.env = j.at("env").get<std::map<std::string, std::string>>();
  t.cwd = j.at("cwd").get<std::string>();
  t.pool = j.at("pool").get<std::string>();
  t.priority = j.at("priority").get<int>();
  t.skip_exit_code = j.at("skip_exit_code").get<int>();
  t.depends_on_past = j.at("depends_on_past").get<bool>();
  t.on_failure = j.at("on_failure").get<std::vector<std::string>>();
  t.on_retry = j.at("on_retry").get<std::vector<std::string>>();
  t.on_success = j.at("on_success").get<std::vector<std::string>>();
  const json& loc = j.at("location");
  t.location.file = loc.at("file").get<std::string>();
  t.location.line = loc.at("line").get<int>();
  t.location.column = loc.at("column").get<int>();
  return t;
}

// nlohmann::json orders object keys by name, which is what makes this canonical.
json DagJson(const DagSpec& d) {
  json j = json::object();
  j["dag"] = d.id;
  j["description"] = d.description;
  j["owner"] = d.owner;
  j["tags"] = d.tags;
  j["schedule"] =
      d.schedule
          ? json{{"expr", d.schedule->expr},
                 {"mode", d.schedule->mode == ScheduleMode::kInterval ? "interval" : "trigger"}}
          : json(nullptr);
  j["timezone"] = d.timezone;
  j["start"] = OptionalTime(d.start);
  j["end"] = OptionalTime(d.end);
  j["catchup"] = d.catchup;
  j["max_active_runs"] = d.max_active_runs;
  j["max_active_tasks"] = d.max_active_tasks;
  j["params"] = d.params;
  j["on_failure"] = d.on_failure;
  j["on_retry"] = d.on_retry;
  j["on_success"] = d.on_success;
  j["on_sla_miss"] = d.on_sla_miss;
  j["sla"] = OptionalDuration(d.sla);
  j["tasks"] = json::array();
  for (const TaskSpec& t : d.tasks) j["tasks"].push_back(TaskJson(t));
  j["file"] = d.file;
  if (!d.hash.empty()) j["hash"] = d.hash;
  return j;
}

std::string Dump(const json& j) {
  // Strings from the loader are valid UTF-8; replacing keeps DagToJson total for any other spec.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string DagToJson(const DagSpec& dag) { return Dump(DagJson(dag)); }

Result<DagSpec> DagFromJson(const std::string& text) {
  try {
    json j = json::parse(text);
    DagSpec d;
    d.id = j.at("dag").get<std::string>();
    d.description = j.at("description").get<std::string>();
    d.owner = j.at("owner").get<std::string>();
    d.tags = j.at("tags").get<std::vector<std::string>>();
    const json& sched = j.at("schedule");
    if (!sched.is_null()) {
      std::string mode = sched.at("mode").get<std::string>();
      if (mode != "interval" && mode != "trigger") throw std::invalid_argument("bad mode " + mode);
      d.schedule =
          ScheduleSpec{sched.at("expr").get<std::string>(),
                       mode == "interval" ? ScheduleMode::kInterval : ScheduleMode::kTrigger};
    }
    d.timezone = j.at("timezone").get<std::string>();
    d.start = OptionalTimeFrom(j.at("start"));
    d.end = OptionalTimeFrom(j.at("end"));
    d.catchup = j.at("catchup").get<bool>();
    d.max_active_runs = j.at("max_active_runs").get<int>();
    d.max_active_tasks = j.at("max_active_tasks").get<int>();
    d.params = j.at("params").get<std::map<std::string, std::string>>();
    d.on_failure = j.at("on_failure").get<std::vector<std::string>>();
    d.on_retry = j.at("on_retry").get<std::vector<std::string>>();
    d.on_success = j.at("on_success").get<std::vector<std::string>>();
    d.on_sla_miss = j.at("on_sla_miss").get<std::vector<std::string>>();
    d.sla = OptionalDurationFrom(j.at("sla"));
    for (const json& t : j.at("tasks")) d.tasks.push_back(TaskFrom(t));
    d.file = j.at("file").get<std::string>();
    if (j.contains("hash")) d.hash = j.at("hash").get<std::string>();
    return d;
  } catch (const std::exception& e) {
    // nlohmann's messages name the missing key or wrong type; the conversions above add theirs.
    return Status::Invalid(std::string("invalid DAG JSON: ") + e.what());
  }
}

std::string DagHash(const DagSpec& dag) {
  DagSpec canonical = dag;
  canonical.hash.clear();
  for (TaskSpec& t : canonical.tasks) t.location = SourceLocation{};
  std::string text = DagToJson(canonical);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(Fnv1a64(text)));
  return hex;
}

}  // namespace sluice
