#pragma once
// `{{ name }}` templates (DESIGN.md §2 "Templates"). An unknown name is an error, never "".

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/shell_quote.h"
#include "sluice/clock.h"
#include "sluice/dag.h"
#include "sluice/status.h"

namespace sluice {

// The names every template may use, besides `params.NAME` for the DAG's declared params.
const std::vector<std::string>& BuiltinTemplateVariables();

// Checks syntax and names; returns one message per problem, each with the 0-based byte offset
// in `text` where it starts, e.g. {7, "unknown template variable 'dss' (did you mean 'ds'?)"}.
struct TemplateProblem {
  size_t offset = 0;
  std::string message;
};
std::vector<TemplateProblem> CheckTemplate(std::string_view text, const DagSpec& dag);

// The values for one attempt of one task.
struct TemplateContext {
  std::map<std::string, std::string> values;  // "ds" -> "2025-01-02", "params.root" -> "/data"
  // The names whose values came from a trigger (`--param`), not from the DAG file: the shell
  // renderer quotes them even where the template says `raw`.
  std::set<std::string> from_trigger;
};

struct RunContextInput {
  std::string run_id;
  TimePoint logical_date;
  TimePoint data_interval_start;
  TimePoint data_interval_end;
  std::map<std::string, std::string> param_overrides;  // from the trigger
};
// Values for `task_id`, attempt `try_number`, computed in the DAG's time zone.
Result<TemplateContext> MakeTemplateContext(const DagSpec& dag, const RunContextInput& run,
                                            const std::string& task_id, int try_number);

// The values and environment that every attempt of one run shares, computed once (dates are
// formatted in the DAG's zone, params resolved) and then completed for each attempt, so a run
// of many tasks does not redo that work per attempt. A value type; not tied to `dag` or `run`.
class RunTemplate {
 public:
  // Errors as MakeTemplateContext's (an unknown time zone).
  static Result<RunTemplate> Make(const DagSpec& dag, const RunContextInput& run);
  // MakeTemplateContext(dag, run, task_id, try_number).
  TemplateContext ForAttempt(const std::string& task_id, int try_number) const;
  // TemplateEnvironment(ForAttempt(task_id, try_number)).
  std::map<std::string, std::string> EnvironmentFor(const std::string& task_id,
                                                    int try_number) const;

 private:
  TemplateContext run_values_;                  // every value but task_id and try_number
  std::map<std::string, std::string> run_env_;  // TemplateEnvironment of run_values_
};

// `text` with each `{{ name }}` replaced by its value as is (for argv elements, `env`, `cwd`:
// no shell reads them); `{{ name | raw }}` is the same there.
Result<std::string> RenderTemplate(std::string_view text, const TemplateContext& ctx);

// For a shell command (`run`): each value is inserted as data, never code, quoted for where it
// goes (core/shell_quote.h): a word of its own is single-quoted (`{{ ds }}` -> `'2025-01-02'`),
// inside '...' or "..." the value is escaped for those quotes (`"{{ ds }}"` -> `"2025-01-02"`).
// `{{ name | raw }}` inserts the value as is, for trusted DAG-level values that hold shell
// syntax; a value in `ctx.from_trigger` is quoted even then. Errors as RenderTemplate's, and
// a value in a place no quoting makes safe (a comment, a here-document, backquotes, $'...').
Result<std::string> RenderShellTemplate(std::string_view text, const TemplateContext& ctx);

// The places in shell command `text` where a value could not be quoted (RenderShellTemplate's
// last error), each at its expression's offset; for validation. Assumes CheckTemplate passed.
std::vector<TemplateProblem> CheckShellTemplate(std::string_view text);

// SLUICE_DS, SLUICE_DS_NODASH, SLUICE_TS, SLUICE_LOGICAL_DATE, SLUICE_DATA_INTERVAL_START,
// SLUICE_DATA_INTERVAL_END, SLUICE_RUN_ID, SLUICE_DAG_ID, SLUICE_TASK_ID, SLUICE_TRY_NUMBER and
// SLUICE_PARAM_<NAME> for each param.
std::map<std::string, std::string> TemplateEnvironment(const TemplateContext& ctx);

}  // namespace sluice
