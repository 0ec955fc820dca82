// `{{ name }}` templates: one scanner shared by the checker (load time) and the renderer (run
// time), so what validates is exactly what renders.

#include "core/template.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "core/shell_quote.h"
#include "time/time_format.h"
#include "time/time_zone.h"
#include "util/strings.h"

namespace sluice {
namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

// The one filter: `{{ params.region | raw }}` puts the value into a shell command unquoted.
constexpr std::string_view kRawFilter = "raw";

// Calls `literal` for text between expressions and `variable` for each `{{ name }}` or
// `{{ name | raw }}` (with the offset of its `{{` and whether it asked for `raw`). Returns the
// first syntax problem; scanning stops there.
std::optional<TemplateProblem> Scan(
    std::string_view text, const std::function<void(std::string_view)>& literal,
    const std::function<void(size_t, const std::string&, bool)>& variable) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      literal(text.substr(pos));
      return std::nullopt;
    }
    literal(text.substr(pos, open - pos));
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return TemplateProblem{open, "unclosed '{{' (write {{ name }}, e.g. {{ ds }})"};
    }
    std::string_view inner = Trim(text.substr(open + 2, close - open - 2));
    std::string expr(text.substr(open, close + 2 - open));
    if (inner.empty()) {
      return TemplateProblem{
          open, "empty template expression '" + expr + "' (write {{ name }}, e.g. {{ ds }})"};
    }
    bool raw = false;
    if (size_t bar = inner.find('|'); bar != std::string_view::npos) {
      std::string_view filter = Trim(inner.substr(bar + 1));
      inner = Trim(inner.substr(0, bar));
      if (filter != kRawFilter) {
        return TemplateProblem{open, "unknown template filter in '" + expr +
                                         "' (the only filter is 'raw': {{ name | raw }})"};
      }
      raw = true;
    }
    if (inner.empty() || !std::all_of(inner.begin(), inner.end(), IsNameChar)) {
      return TemplateProblem{open, "invalid template expression '" + expr +
                                       "' (only {{ name }} and {{ name | raw }} are supported, "
                                       "e.g. {{ ds }})"};
    }
    variable(open, std::string(inner), raw);
    pos = close + 2;
  }
  return std::nullopt;
}

// What every param's template name starts with: {{ params.region }}.
constexpr std::string_view kParams = "params.";

std::string UnknownVariable(const std::string& name, const std::vector<std::string>& known) {
  // A param is matched by its own name: "params." shared by all would make any two look alike.
  std::vector<std::string> candidates;
  bool param = StartsWith(name, kParams);
  for (const auto& k : known) {
    if (StartsWith(k, kParams) == param) {
      candidates.push_back(param ? k.substr(kParams.size()) : k);
    }
  }
  std::string hint = ClosestMatch(param ? name.substr(kParams.size()) : name, candidates);
  if (!hint.empty() && param) hint = std::string(kParams) + hint;
  return "unknown template variable '" + name + "'" +
         (hint.empty() ? "" : " (did you mean '" + hint + "'?)");
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The environment variable a template value is exported as: SLUICE_DS, SLUICE_PARAM_REGION.
std::string EnvironmentName(const std::string& name) {
  if (StartsWith(name, kParams)) return "SLUICE_PARAM_" + Upper(name.substr(kParams.size()));
  return "SLUICE_" + Upper(name);
}

}  // namespace

const std::vector<std::string>& BuiltinTemplateVariables() {
  static const std::vector<std::string> kNames = {
      "ds",     "ds_nodash", "ts",      "logical_date", "data_interval_start", "data_interval_end",
      "run_id", "dag_id",    "task_id", "try_number"};
  return kNames;
}

std::vector<TemplateProblem> CheckTemplate(std::string_view text, const DagSpec& dag) {
  std::vector<std::string> known = BuiltinTemplateVariables();
  for (const auto& [name, value] : dag.params) known.push_back("params." + name);
  std::vector<TemplateProblem> problems;
  auto syntax = Scan(
      text, [](std::string_view) {},
      [&](size_t offset, const std::string& name, bool /*raw*/) {
        if (std::find(known.begin(), known.end(), name) == known.end()) {
          problems.push_back({offset, UnknownVariable(name, known)});
        }
      });
  if (syntax) problems.push_back(std::move(*syntax));
  return problems;
}

Result<TemplateContext> MakeTemplateContext(const DagSpec& dag, const RunContextInput& run,
                                            const std::string& task_id, int try_number) {
  SLUICE_ASSIGN_OR_RETURN(RunTemplate shared, RunTemplate::Make(dag, run));
  return shared.ForAttempt(task_id, try_number);
}

Result<RunTemplate> RunTemplate::Make(const DagSpec& dag, const RunContextInput& run) {
  SLUICE_ASSIGN_OR_RETURN(TimeZone zone, TimeZone::Find(dag.timezone));
  RunTemplate out;
  auto& v = out.run_values_.values;
  v["ds"] = FormatLocalDate(run.logical_date, zone);
  std::string nodash = v["ds"];
  nodash.erase(std::remove(nodash.begin(), nodash.end(), '-'), nodash.end());
  v["ds_nodash"] = nodash;
  v["ts"] = FormatIsoUtc(run.logical_date);
  v["logical_date"] = FormatIsoUtc(run.logical_date);
  v["data_interval_start"] = FormatIsoUtc(run.data_interval_start);
  v["data_interval_end"] = FormatIsoUtc(run.data_interval_end);
  v["run_id"] = run.run_id;
  v["dag_id"] = dag.id;
  for (const auto& [name, value] : dag.params) {
    // Only declared params exist; an override of a param the DAG no longer declares (its file
    // changed after the trigger) is dropped rather than failing the run.
    auto o = run.param_overrides.find(name);
    if (o != run.param_overrides.end()) {
      v["params." + name] = o->second;
      out.run_values_.from_trigger.insert("params." + name);
    } else {
      v["params." + name] = value;
    }
  }
  out.run_env_ = TemplateEnvironment(out.run_values_);
  return out;
}

TemplateContext RunTemplate::ForAttempt(const std::string& task_id, int try_number) const {
  TemplateContext ctx = run_values_;
  ctx.values["task_id"] = task_id;
  ctx.values["try_number"] = std::to_string(try_number);
  return ctx;
}

std::map<std::string, std::string> RunTemplate::EnvironmentFor(const std::string& task_id,
                                                               int try_number) const {
  // No param can take these names: params are all SLUICE_PARAM_*.
  std::map<std::string, std::string> env = run_env_;
  env[EnvironmentName("task_id")] = task_id;
  env[EnvironmentName("try_number")] = std::to_string(try_number);
  return env;
}

namespace {

std::string Expression(const std::string& name, bool raw) {
  return "{{ " + name + (raw ? " | raw }}" : " }}");
}

std::string UnsafeContext(const std::string& name, bool raw, const ShellLexer& lexer) {
  return Expression(name, raw) + " is inside " + lexer.unsafe_reason() +
         ", where no quoting keeps a value from running as code (move it out, or read it from "
         "the environment: \"$" +
         EnvironmentName(name) + "\")";
}

// `for_shell`: the text is a shell command, and ShellLexer follows its quoting.
Result<std::string> Render(std::string_view text, const TemplateContext& ctx, bool for_shell) {
  std::string out;
  std::optional<std::string> unknown;
  std::optional<std::string> unsafe;
  ShellLexer lexer;
  auto syntax = Scan(
      text,
      [&](std::string_view lit) {
        out.append(lit);
        if (for_shell) lexer.Feed(lit);
      },
      [&](size_t, const std::string& name, bool raw) {
        auto it = ctx.values.find(name);
        if (it == ctx.values.end()) {
          if (!unknown) unknown = name;
          return;
        }
        if (!for_shell) {
          out += it->second;
          return;
        }
        // `raw` is honoured only for values written in the DAG file: one typed on a command
        // line (`--param`) is quoted anyway, so whoever may trigger cannot run commands.
        if (raw && ctx.from_trigger.count(name) == 0) {
          out += it->second;
          lexer.Feed(it->second);  // shell syntax of the DAG's own: it may open or close quotes
          return;
        }
        const ShellContext where = lexer.context();
        if (where == ShellContext::kUnsafe) {
          if (!unsafe) unsafe = UnsafeContext(name, raw, lexer);
          return;
        }
        out += QuoteForShell(it->second, where);
      });
  if (syntax) return Status::Invalid(syntax->message);
  if (unknown) {
    std::vector<std::string> known;
    for (const auto& [name, value] : ctx.values) known.push_back(name);
    return Status::Invalid(UnknownVariable(*unknown, known));
  }
  if (unsafe) return Status::Invalid(*unsafe);
  return out;
}

}  // namespace

std::vector<TemplateProblem> CheckShellTemplate(std::string_view text) {
  std::vector<TemplateProblem> problems;
  ShellLexer lexer;
  // Syntax and names are CheckTemplate's; only where each value would go is looked at here.
  static_cast<void>(Scan(
      text, [&](std::string_view lit) { lexer.Feed(lit); },
      [&](size_t offset, const std::string& name, bool raw) {
        if (!raw && lexer.context() == ShellContext::kUnsafe) {
          problems.push_back({offset, UnsafeContext(name, raw, lexer)});
        }
      }));
  return problems;
}

Result<std::string> RenderTemplate(std::string_view text, const TemplateContext& ctx) {
  return Render(text, ctx, /*for_shell=*/false);
}

Result<std::string> RenderShellTemplate(std::string_view text, const TemplateContext& ctx) {
  return Render(text, ctx, /*for_shell=*/true);
}

std::map<std::string, std::string> TemplateEnvironment(const TemplateContext& ctx) {
  std::map<std::string, std::string> env;
  for (const auto& [name, value] : ctx.values) env[EnvironmentName(name)] = value;
  return env;
}

}  // namespace sluice
