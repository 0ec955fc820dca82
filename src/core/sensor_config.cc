#include "core/sensor_config.h"

#include <algorithm>

#include "core/operator_registry.h"

namespace sluice {
namespace {

int64_t Millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

Value SensorConfig::ToValue() const {
  Value::Entries e;
  // Only what differs from the defaults: a scheduler holds the config of every sensor task of
  // every loaded DAG (bench/RESULTS.md, issue 14).
  const SensorConfig defaults;
  e.emplace_back("type", Value(type));
  if (poke_every != defaults.poke_every) {
    e.emplace_back("poke_every_ms", Value(Millis(poke_every)));
  }
  if (backoff == PokeBackoff::kExponential) e.emplace_back("poke_backoff", Value("exponential"));
  if (max_poke_every) e.emplace_back("max_poke_every_ms", Value(Millis(*max_poke_every)));
  if (soft_fail) e.emplace_back("soft_fail", Value(true));
  if (mode == SensorMode::kReschedule) e.emplace_back("mode", Value("reschedule"));
  e.emplace_back("config", config);
  return Value::FromMap(std::move(e));
}

Result<SensorConfig> SensorConfig::FromValue(const Value& value) {
  const Status bad = Status::Invalid("a 'sensor' task's config must be a map with its type");
  if (value.AsMap() == nullptr) return bad;
  SensorConfig out;
  const Value* type = value.Find("type");
  if (type == nullptr || type->AsString() == nullptr) return bad;
  out.type = *type->AsString();
  if (const Value* v = value.Find("poke_every_ms"); v && v->AsInt()) {
    out.poke_every = std::chrono::milliseconds(*v->AsInt());
  }
  if (const Value* v = value.Find("poke_backoff"); v && v->AsString()) {
    out.backoff = *v->AsString() == "exponential" ? PokeBackoff::kExponential : PokeBackoff::kFixed;
  }
  if (const Value* v = value.Find("max_poke_every_ms"); v && v->AsInt()) {
    out.max_poke_every = std::chrono::milliseconds(*v->AsInt());
  }
  if (const Value* v = value.Find("soft_fail"); v && v->AsBool()) out.soft_fail = *v->AsBool();
  if (const Value* v = value.Find("mode"); v && v->AsString()) {
    out.mode = *v->AsString() == "reschedule" ? SensorMode::kReschedule : SensorMode::kPoke;
  }
  if (const Value* v = value.Find("config")) out.config = *v;
  return out;
}

Duration PokeInterval(const SensorConfig& config, int pokes) {
  const Duration day = std::chrono::hours(24);
  Duration wait = std::max(config.poke_every, Duration(std::chrono::milliseconds(1)));
  if (config.backoff == PokeBackoff::kExponential) {
    for (int i = 1; i < pokes && wait < day; ++i) wait *= 2;
  }
  if (config.max_poke_every) wait = std::min(wait, *config.max_poke_every);
  return std::min(wait, day);
}

std::optional<SensorConfig> DeferredSensorOf(const TaskSpec& task) {
  const Operator* op = FindOperator(task.kind);
  if (op == nullptr || op->run_style(task.config) != RunStyle::kSensor) return std::nullopt;
  auto config = SensorConfig::FromValue(task.config);
  if (!config.ok()) return std::nullopt;
  return std::move(config).value();
}

Result<Value> RenderSensorConfig(const Value& type_config, const TemplateContext& ctx) {
  if (const std::string* s = type_config.AsString()) {
    SLUICE_ASSIGN_OR_RETURN(std::string rendered, RenderTemplate(*s, ctx));
    return Value(std::move(rendered));
  }
  if (const std::vector<Value>* items = type_config.AsList()) {
    std::vector<Value> out;
    for (const Value& item : *items) {
      SLUICE_ASSIGN_OR_RETURN(Value r, RenderSensorConfig(item, ctx));
      out.push_back(std::move(r));
    }
    return Value::FromList(std::move(out));
  }
  if (const Value::Entries* entries = type_config.AsMap()) {
    Value::Entries out;
    for (const auto& [k, item] : *entries) {
      SLUICE_ASSIGN_OR_RETURN(Value r, RenderSensorConfig(item, ctx));
      out.emplace_back(k, std::move(r));
    }
    return Value::FromMap(std::move(out));
  }
  return type_config;
}

}  // namespace sluice
