#include "core/dag_json.h"

#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/dag_loader.h"
#include "core/operator_registry.h"
#include "time/duration.h"
#include "time/time_format.h"
#include "time/time_zone.h"
#include "util/hash.h"
#include "util/strings.h"

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

json ValueJson(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNull:
      return nullptr;
    case Value::Type::kBool:
      return *v.AsBool();
    case Value::Type::kInt:
      return *v.AsInt();
    case Value::Type::kDouble:
      return *v.AsDouble();
    case Value::Type::kString:
      return *v.AsString();
    case Value::Type::kList: {
      json items = json::array();
      for (const Value& item : *v.AsList()) items.push_back(ValueJson(item));
      return items;
    }
    case Value::Type::kMap: {
      json entries = json::object();
      for (const auto& [key, item] : *v.AsMap()) entries[key] = ValueJson(item);
      return entries;
    }
  }
  return nullptr;
}

// Deep enough for any config; deeper is not a version this program wrote.
constexpr int kMaxValueDepth = 64;

Value ValueFrom(const json& j, int depth = 0) {
  if (depth > kMaxValueDepth) throw std::invalid_argument("a task config is nested too deeply");
  switch (j.type()) {
    case json::value_t::boolean:
      return Value(j.get<bool>());
    case json::value_t::number_integer:
      return Value(j.get<int64_t>());
    case json::value_t::number_unsigned:
      // nlohmann reads every non-negative integer as unsigned.
      if (j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw std::invalid_argument("an integer in a task config is out of range");
      }
      return Value(j.get<int64_t>());
    case json::value_t::number_float:
      return Value(j.get<double>());
    case json::value_t::string:
      return Value(j.get<std::string>());
    case json::value_t::array: {
      std::vector<Value> items;
      for (const json& item : j) items.push_back(ValueFrom(item, depth + 1));
      return Value::FromList(std::move(items));
    }
    case json::value_t::object: {
      Value::Entries entries;
      for (const auto& [key, item] : j.items())
        entries.emplace_back(key, ValueFrom(item, depth + 1));
      return Value::FromMap(std::move(entries));
    }
    default:
      return Value();
  }
}

// Before task kinds were open, every task's JSON carried the fields of both built-in kinds, the
// one it did not use empty (`"run":""` in an exec task, `"exec":[]` in a run task). Writing
// that empty field still keeps the canonical JSON, and so the hash that names the version, of
// every DAG made of those kinds exactly as it was: an upgrade stores no new version. Readers
// ignore the field. A frozen list: no other kind has one, and adding a kind does not touch it.
void AddPreOpenKindsField(const TaskSpec& t, json& j) {
  if (t.kind == "run" && !j.contains("exec")) j["exec"] = json::array();
  if (t.kind == "exec" && !j.contains("run")) j["run"] = "";
}

json TaskJson(const TaskSpec& t) {
  json j = json::object();
  j["id"] = t.id;
  j["kind"] = t.kind;
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
  // Written only when not the default, so the versions of DAGs that do not use it keep the
  // hashes they had before the key existed.
  if (t.pool_slots != 1) j["pool_slots"] = t.pool_slots;
  j["priority"] = t.priority;
  j["skip_exit_code"] = t.skip_exit_code;
  j["depends_on_past"] = t.depends_on_past;
  j["on_failure"] = t.on_failure;
  j["on_retry"] = t.on_retry;
  j["on_success"] = t.on_success;
  // Written only when set, as pool_slots, so existing versions keep their hashes.
  if (!t.on_long_running.empty()) j["on_long_running"] = t.on_long_running;
  if (t.expected_duration) j["expected_duration"] = OptionalDuration(t.expected_duration);
  j["location"] = {
      {"file", t.location.file}, {"line", t.location.line}, {"column", t.location.column}};
  // The config under the kind's name, as the file wrote it: `"run": "./x.sh"`. A registered
  // kind's name is never one of the fields above (RegisterOperator); a spec made in memory with
  // such a kind still gets total JSON, which DagFromJson rejects.
  if (!t.kind.empty() && !j.contains(t.kind)) j[t.kind] = ValueJson(t.config);
  AddPreOpenKindsField(t, j);
  return j;
}

TaskSpec TaskFrom(const json& j) {
  TaskSpec t;
  t.id = j.at("id").get<std::string>();
  t.kind = j.at("kind").get<std::string>();
  if (FindOperator(t.kind) == nullptr) {
    std::string known = Join(OperatorKinds(), ", ");
    throw std::invalid_argument(
        "task '" + t.id + "' has unknown kind '" + t.kind + "' (" +
        (known.empty() ? "no task kinds are registered" : "this program knows " + known) + ")");
  }
  t.config = ValueFrom(j.at(t.kind));
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
  t.pool_slots = j.value("pool_slots", 1);
  t.priority = j.at("priority").get<int>();
  t.skip_exit_code = j.at("skip_exit_code").get<int>();
  t.depends_on_past = j.at("depends_on_past").get<bool>();
  t.on_failure = j.at("on_failure").get<std::vector<std::string>>();
  t.on_retry = j.at("on_retry").get<std::vector<std::string>>();
  t.on_success = j.at("on_success").get<std::vector<std::string>>();
  if (j.contains("on_long_running")) {
    t.on_long_running = j.at("on_long_running").get<std::vector<std::string>>();
  }
  if (j.contains("expected_duration")) {
    t.expected_duration = OptionalDurationFrom(j.at("expected_duration"));
  }
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
  if (!d.on_long_running.empty()) j["on_long_running"] = d.on_long_running;
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
    if (j.contains("on_long_running")) {
      d.on_long_running = j.at("on_long_running").get<std::vector<std::string>>();
    }
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
