// `sensor: TYPE` with its keys beside it: a task that succeeds once a condition holds. The kind
// reads the keys every sensor has (sensor_config.h) and hands the rest to the type
// (sluice/sensor.h), whose config it keeps under "config".

#include "core/sensor_config.h"
#include "core/sensor_registry.h"
#include "operators/builtin.h"
#include "operators/sensors/command_sensor.h"
#include "util/strings.h"

namespace sluice {
namespace {

std::string QuotedTypes(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

class SensorOperator final : public Operator {
 public:
  std::optional<Value> Validate(const SpecEntry& entry, SpecDiagnostics& diags) const override {
    return ValidateWithKeys(entry, {}, diags);
  }

  bool reads_other_keys() const override { return true; }

  std::optional<Value> ValidateWithKeys(const SpecEntry& entry,
                                        const std::vector<SpecEntry>& other_keys,
                                        SpecDiagnostics& diags) const override {
    std::optional<std::string> name = ReadSpecString(entry, diags);
    if (!name) return std::nullopt;
    const SensorType* type = FindSensorType(*name);
    if (type == nullptr) {
      const std::vector<std::string> names = SensorTypeNames();
      std::string hint = ClosestMatch(*name, names);
      diags.Error(entry.value, "unknown sensor '" + *name + "' " +
                                   (hint.empty() ? "(use " + QuotedTypes(names) + ")"
                                                 : "(did you mean '" + hint + "'?)"));
      return std::nullopt;
    }
    SensorConfig out;
    out.type = *name;
    bool ok = true;
    const SpecEntry* mode_entry = nullptr;
    const SpecEntry* max_entry = nullptr;
    std::vector<SpecEntry> type_keys;
    for (const SpecEntry& e : other_keys) {
      const std::string& k = e.key.text;
      if (k == "poke_every") {
        auto d = ReadSpecDuration(e, diags);
        if (d && d->count() == 0) {
          diags.Error(e.value, "'poke_every' must be more than 0s");
          d.reset();
        }
        if (d) out.poke_every = *d;
        ok = ok && d.has_value();
      } else if (k == "poke_backoff") {
        auto v = ReadSpecString(e, diags);
        if (v && *v == "exponential") {
          out.backoff = PokeBackoff::kExponential;
        } else if (v && *v == "fixed") {
          out.backoff = PokeBackoff::kFixed;
        } else {
          if (v)
            diags.Error(e.value, "unknown poke_backoff '" + *v + "' (use fixed or exponential)");
          ok = false;
        }
      } else if (k == "max_poke_every") {
        max_entry = &e;
        auto d = ReadSpecDuration(e, diags);
        if (d && d->count() == 0) {
          diags.Error(e.value, "'max_poke_every' must be more than 0s");
          d.reset();
        }
        if (d) out.max_poke_every = *d;
        ok = ok && d.has_value();
      } else if (k == "soft_fail") {
        auto v = ReadSpecBool(e, diags);
        if (v) out.soft_fail = *v;
        ok = ok && v.has_value();
      } else if (k == "mode") {
        mode_entry = &e;
        auto v = ReadSpecString(e, diags);
        if (v && *v == "reschedule") {
          out.mode = SensorMode::kReschedule;
        } else if (v && *v == "poke") {
          out.mode = SensorMode::kPoke;
        } else {
          if (v) diags.Error(e.value, "unknown mode '" + *v + "' (use poke or reschedule)");
          ok = false;
        }
      } else {
        type_keys.push_back(e);
      }
    }
    if (out.mode == SensorMode::kReschedule && *name != "command") {
      diags.Error(mode_entry->value, "'mode: reschedule' is for command sensors only (a '" + *name +
                                         "' sensor is poked by the scheduler and holds no "
                                         "process while it waits)");
      ok = false;
    }
    if (max_entry != nullptr && out.backoff != PokeBackoff::kExponential) {
      diags.Error(max_entry->key,
                  "'max_poke_every' caps an exponential backoff (add "
                  "poke_backoff: exponential, or remove it)");
      ok = false;
    }
    std::optional<Value> config = type->Validate(type_keys, diags);
    if (!config || !ok) return std::nullopt;
    out.config = std::move(*config);
    return out.ToValue();
  }

  // A command sensor's pokes are processes (command_sensor.h): in `mode: poke` the task is one
  // process that pokes in a loop, in `mode: reschedule` each poke is one.
  RunStyle run_style(const Value& config) const override {
    auto sensor = SensorConfig::FromValue(config);
    if (!sensor.ok() || !IsCommandSensor(*sensor)) return RunStyle::kSensor;
    return sensor->mode == SensorMode::kReschedule ? RunStyle::kRescheduled : RunStyle::kProcess;
  }

  Result<ProcessCommand> BuildCommand(const Value& config,
                                      const TemplateRenderer& templates) const override {
    SLUICE_ASSIGN_OR_RETURN(SensorConfig sensor, SensorConfig::FromValue(config));
    if (!IsCommandSensor(sensor)) {
      return Status::Internal("a sensor is poked by the scheduler, not run as a process");
    }
    return sensor.mode == SensorMode::kReschedule ? CommandSensorPoke(sensor, templates)
                                                  : CommandSensorLoop(sensor, templates);
  }

  std::string Describe(const Value& config) const override {
    auto sensor = SensorConfig::FromValue(config);
    if (!sensor.ok()) return "sensor";
    const SensorType* type = FindSensorType(sensor->type);
    std::string what = type ? type->Describe(sensor->config) : "";
    return "sensor " + sensor->type + (what.empty() ? "" : ": " + what);
  }
};

}  // namespace

std::unique_ptr<const Operator> MakeSensorOperator() { return std::make_unique<SensorOperator>(); }

}  // namespace sluice
