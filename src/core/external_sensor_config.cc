#include "core/external_sensor_config.h"

#include <algorithm>

#include "time/duration.h"

namespace sluice {

bool ExternalSensorConfig::Wants(TaskState s) const {
  return std::find(states.begin(), states.end(), TaskStateName(s)) != states.end();
}

bool ExternalSensorConfig::Wants(RunState s) const {
  return std::find(states.begin(), states.end(), RunStateName(s)) != states.end();
}

Value ExternalSensorConfig::ToValue() const {
  Value::Entries e;
  e.emplace_back("dag", Value(dag));
  if (!task.empty()) e.emplace_back("task", Value(task));
  if (offset != Duration::zero()) {
    e.emplace_back("offset_ms",
                   Value(static_cast<int64_t>(
                       std::chrono::duration_cast<std::chrono::milliseconds>(offset).count())));
  }
  if (states != std::vector<std::string>{"success"}) {
    std::vector<Value> items;
    for (const std::string& s : states) items.emplace_back(s);
    e.emplace_back("states", Value::FromList(std::move(items)));
  }
  return Value::FromMap(std::move(e));
}

Result<ExternalSensorConfig> ExternalSensorConfig::FromValue(const Value& value) {
  const Status bad = Status::Invalid("an 'external' sensor's config must name its 'dag'");
  const Value* dag = value.Find("dag");
  if (dag == nullptr || dag->AsString() == nullptr) return bad;
  ExternalSensorConfig out;
  out.dag = *dag->AsString();
  if (const Value* v = value.Find("task"); v && v->AsString()) out.task = *v->AsString();
  if (const Value* v = value.Find("offset_ms"); v && v->AsInt()) {
    out.offset = std::chrono::milliseconds(*v->AsInt());
  }
  if (const Value* v = value.Find("states"); v && v->AsList()) {
    out.states.clear();
    for (const Value& item : *v->AsList()) {
      if (item.AsString() == nullptr) return bad;
      out.states.push_back(*item.AsString());
    }
    if (out.states.empty()) return bad;
  }
  return out;
}

Result<Duration> ParseOffset(const std::string& text) {
  const bool negative = !text.empty() && text[0] == '-';
  Result<Duration> d = ParseDuration(negative ? text.substr(1) : text);
  if (!d.ok()) {
    return Status::Invalid("invalid offset '" + text +
                           "' (use a duration such as 0s, 2h or -1d; negative: an earlier run)");
  }
  return negative ? -*d : *d;
}

std::string FormatOffset(Duration offset) {
  return offset < Duration::zero() ? "-" + FormatDuration(-offset) : FormatDuration(offset);
}

std::vector<std::string> TaskStateNames() {
  std::vector<std::string> out;
  for (int i = 0; i <= static_cast<int>(TaskState::kRemoved); ++i) {
    out.emplace_back(TaskStateName(static_cast<TaskState>(i)));
  }
  return out;
}

std::vector<std::string> RunStateNames() {
  std::vector<std::string> out;
  for (int i = 0; i <= static_cast<int>(RunState::kFailed); ++i) {
    out.emplace_back(RunStateName(static_cast<RunState>(i)));
  }
  return out;
}

}  // namespace sluice
