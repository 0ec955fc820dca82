#include "operators/sensors/command_sensor.h"

#include <algorithm>

#include "core/template.h"
#include "operators/builtin.h"
#include "util/strings.h"

namespace sluice {
namespace {

const std::vector<std::string>& CommandKeys() {
  static const std::vector<std::string> kKeys = {"run"};
  return kKeys;
}

int64_t Millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// $1: the command; $2: the first wait in ms; $3: "exponential" or "fixed"; $4: the longest wait
// in ms. Milliseconds, since poke_every may be "1.5s"; `sleep` (coreutils) takes "1.500".
// Each poke's line goes to stdout with the command's output, so `tasks logs` shows the pokes.
constexpr const char* kLoop = R"sh(secs() {
  if [ $(($1 % 1000)) -eq 0 ]; then echo "$(($1 / 1000))"
  else printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); fi
}
n=0
w=$2
if [ "$w" -gt "$4" ]; then w=$4; fi
while :; do
  n=$((n + 1))
  /bin/sh -c "$1"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "poke $n: exit 0, met"
    exit 0
  fi
  echo "poke $n: exit $rc, next poke in $(secs "$w")s"
  sleep "$(secs "$w")"
  if [ "$3" = exponential ]; then
    w=$((w * 2))
    if [ "$w" -gt "$4" ]; then w=$4; fi
  fi
done
)sh";

Result<std::string> RenderedCommand(const SensorConfig& sensor, const TemplateRenderer& templates) {
  const Value* run = sensor.config.Find("run");
  if (run == nullptr || run->AsString() == nullptr) {
    return Status::Invalid("a 'command' sensor's config must hold its 'run' command");
  }
  return templates.RenderForShell(*run->AsString());
}

class CommandSensor final : public SensorType {
 public:
  std::optional<Value> Validate(const std::vector<SpecEntry>& keys,
                                SpecDiagnostics& diags) const override {
    bool ok = true;
    std::optional<std::string> command;
    for (const SpecEntry& e : keys) {
      if (e.key.text == "run") {
        command = ReadSpecString(e, diags);
        if (command && Trim(*command).empty()) {
          diags.Error(e.value, "'run' is empty (give the shell command that exits 0 when met)");
          command.reset();
        }
        if (command) {
          diags.Template(e.value);
          // As for `run:`: a value must be quotable where it goes (core/shell_quote.h).
          for (const TemplateProblem& p : CheckShellTemplate(*command)) {
            diags.Error(e.value, p.message);
            ok = false;
          }
        }
        ok = ok && command.has_value();
      } else {
        diags.Error(e.key, UnknownSensorKeyMessage(e.key.text, "command", CommandKeys()));
        ok = false;
      }
    }
    if (!command && ok) {
      // Reported at the `sensor` key (a node without a position).
      diags.Error(SpecNode{},
                  "a 'command' sensor needs 'run' (a shell command that exits 0 when met)");
      return std::nullopt;
    }
    if (!ok) return std::nullopt;
    return Value::FromMap({{"run", Value(*command)}});
  }

  PokeResult Poke(const Value& config, const PokeContext& ctx) const override {
    (void)config;
    (void)ctx;
    PokeResult r;
    r.outcome = PokeResult::Outcome::kError;
    r.detail = "a command sensor runs as a process, not poked by the scheduler";
    return r;
  }

  std::string Describe(const Value& config) const override {
    const Value* run = config.Find("run");
    return run && run->AsString() ? *run->AsString() : std::string();
  }
};

}  // namespace

std::unique_ptr<const SensorType> MakeCommandSensor() { return std::make_unique<CommandSensor>(); }

bool IsCommandSensor(const SensorConfig& sensor) { return sensor.type == "command"; }

Result<ProcessCommand> CommandSensorLoop(const SensorConfig& sensor,
                                         const TemplateRenderer& templates) {
  SLUICE_ASSIGN_OR_RETURN(std::string command, RenderedCommand(sensor, templates));
  // A day at most, as PokeInterval: a long wait cannot overflow the shell's arithmetic.
  int64_t longest = Millis(std::chrono::hours(24));
  if (sensor.max_poke_every) longest = std::min(longest, Millis(*sensor.max_poke_every));
  const int64_t first = std::max<int64_t>(Millis(sensor.poke_every), 1);
  ProcessCommand out;
  out.argv = {"/bin/sh",
              "-c",
              kLoop,
              "sluice-command-sensor",
              std::move(command),
              std::to_string(first),
              sensor.backoff == PokeBackoff::kExponential ? "exponential" : "fixed",
              std::to_string(longest)};
  return out;
}

Result<ProcessCommand> CommandSensorPoke(const SensorConfig& sensor,
                                         const TemplateRenderer& templates) {
  SLUICE_ASSIGN_OR_RETURN(std::string command, RenderedCommand(sensor, templates));
  ProcessCommand out;
  out.argv = {"/bin/sh", "-c", std::move(command)};
  return out;
}

}  // namespace sluice
