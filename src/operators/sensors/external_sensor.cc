// `sensor: external`: waits for a run of another DAG (or of its own) to be in one of `states`,
// or for one of its tasks (`task`) to be. The run is the one whose logical date is the sensor's
// run's plus `offset`. Never poked: the scheduler wakes it on that run's transitions and reads
// the store once when it does not hold the run (scheduler/external_waits.h). `dag` and `task`
// are plain ids, not templates.

#include <algorithm>

#include "core/dag_validator.h"
#include "core/external_sensor_config.h"
#include "operators/builtin.h"

namespace sluice {
namespace {

const std::vector<std::string>& ExternalKeys() {
  static const std::vector<std::string> kKeys = {"dag", "task", "offset", "states"};
  return kKeys;
}

std::string OrList(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  }
  return out;
}

// A DAG or task id as the DAG file writes its own (dag_validator.h).
std::optional<std::string> ReadId(const SpecEntry& e, const char* what, SpecDiagnostics& diags) {
  std::optional<std::string> id = ReadSpecString(e, diags);
  if (id && !IsValidId(*id)) {
    diags.Error(e.value, "invalid " + std::string(what) + " id '" + *id +
                             "' (use letters, digits, '_', '.' and '-')");
    id.reset();
  }
  return id;
}

class ExternalSensor final : public SensorType {
 public:
  std::optional<Value> Validate(const std::vector<SpecEntry>& keys,
                                SpecDiagnostics& diags) const override {
    ExternalSensorConfig out;
    bool ok = true;
    bool has_dag = false;
    const SpecEntry* states = nullptr;
    for (const SpecEntry& e : keys) {
      const std::string& k = e.key.text;
      if (k == "dag") {
        std::optional<std::string> dag = ReadId(e, "dag", diags);
        if (dag) out.dag = *dag;
        has_dag = true;
        ok = ok && dag.has_value();
      } else if (k == "task") {
        std::optional<std::string> task = ReadId(e, "task", diags);
        if (task) out.task = *task;
        ok = ok && task.has_value();
      } else if (k == "offset") {
        std::optional<std::string> text = ReadSpecString(e, diags);
        if (text) {
          Result<Duration> offset = ParseOffset(*text);
          if (offset.ok()) {
            out.offset = *offset;
          } else {
            diags.Error(e.value, offset.status().message());
            text.reset();
          }
        }
        ok = ok && text.has_value();
      } else if (k == "states") {
        states = &e;
      } else {
        diags.Error(e.key, UnknownSensorKeyMessage(k, "external", ExternalKeys()));
        ok = false;
      }
    }
    // The states are task states or run states: known once every key is read.
    if (states != nullptr && !ReadStates(*states, out, diags)) ok = false;
    if (!has_dag) {
      diags.Error(SpecNode{},
                  "an 'external' sensor needs 'dag' (the id of the DAG whose run it waits for)");
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
    return out.ToValue();
  }

  PokeResult Poke(const Value& config, const PokeContext& ctx) const override {
    (void)config;
    (void)ctx;
    PokeResult r;
    r.outcome = PokeResult::Outcome::kError;
    r.detail = "an 'external' sensor is woken by the scheduler, not poked";
    return r;
  }

  std::string Describe(const Value& config) const override {
    Result<ExternalSensorConfig> c = ExternalSensorConfig::FromValue(config);
    if (!c.ok()) return "";
    std::string out = c->task.empty() ? "run of " + c->dag : c->dag + "/" + c->task;
    if (c->offset != Duration::zero()) out += " at " + FormatOffset(c->offset);
    return out + " " + OrList(c->states);
  }

 private:
  static bool ReadStates(const SpecEntry& e, ExternalSensorConfig& out, SpecDiagnostics& diags) {
    if (e.value.type != SpecNode::Type::kList) {
      diags.Error(e.value.line > 0 ? e.value : e.key,
                  "'states' must be a list of states, e.g. [success]");
      return false;
    }
    if (e.value.items.empty()) {
      diags.Error(e.value, "'states' is empty (give at least one, e.g. [success])");
      return false;
    }
    const bool task = !out.task.empty();
    const std::vector<std::string> names = task ? TaskStateNames() : RunStateNames();
    bool ok = true;
    out.states.clear();
    for (const SpecNode& item : e.value.items) {
      if (item.type != SpecNode::Type::kScalar) {
        diags.Error(item, "'states' must be a list of states, e.g. [success]");
        ok = false;
      } else if (std::find(names.begin(), names.end(), item.text) == names.end()) {
        diags.Error(item, "unknown " + std::string(task ? "task" : "run") + " state '" + item.text +
                              "' (use " + OrList(names) + ")" +
                              (task ? "" : "; task states need 'task'"));
        ok = false;
      } else if (std::find(out.states.begin(), out.states.end(), item.text) == out.states.end()) {
        out.states.push_back(item.text);
      }
    }
    return ok;
  }
};

}  // namespace

std::unique_ptr<const SensorType> MakeExternalSensor() {
  return std::make_unique<ExternalSensor>();
}

}  // namespace sluice
