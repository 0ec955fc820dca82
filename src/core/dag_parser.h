#pragma once
// Reading one YAML document into a DagSpec: keys, types and values of DESIGN.md §2, each error
// at its node. Checks that relate fields to each other (needs, cycles, schedule with start,
// templates against params) are in dag_validator.h and need the nodes kept here.

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/yaml_reader.h"
#include "sluice/dag.h"
#include "sluice/operator.h"

namespace sluice {

// Where a task's parts were written, parallel to DagSpec::tasks.
struct TaskSource {
  YAML::Node key;                                         // the task id
  std::vector<std::pair<std::string, YAML::Node>> needs;  // as written, before any check
  std::vector<SpecNode> templates;                        // scalars that are templates
};

struct DagSourceNodes {
  YAML::Node document;
  std::optional<YAML::Node> id;                    // the value of `dag`
  std::optional<YAML::Node> schedule_key;          // the `schedule` key
  std::optional<YAML::Node> schedule_expr;         // the scalar holding the expression
  std::optional<YAML::Node> timezone, start, end;  // values
  std::optional<YAML::Node> tasks_key, tasks;
  std::vector<TaskSource> tasks_source;  // parallel to DagSpec::tasks
};

struct ParsedDag {
  DagSpec spec;
  DagSourceNodes source;
};

// Reads the document `doc`; reports unknown keys, wrong types and bad values. Returns nullopt
// only when `doc` is not a mapping. `start`/`end` are read by the validator (they need the zone).
std::optional<ParsedDag> ParseDagDocument(const YAML::Node& doc, DiagnosticSink& diags);

// The keys every task has whatever its kind (DESIGN.md §2 "Task keys"): `needs`, `trigger`, ...
const std::vector<std::string>& CommonTaskKeys();
// Every task key, for `defaults` and for each task: the registered kinds (operator_registry.h),
// in their order, then the common keys.
std::vector<std::string> TaskKeys();

// Reads the task `entry` (id: mapping) with `defaults` applied to keys it does not set.
// `defaults` are assumed already reported (ParseDefaults): their errors are not repeated.
std::optional<std::pair<TaskSpec, TaskSource>> ParseTask(const YamlEntry& entry,
                                                         const std::vector<YamlEntry>& defaults,
                                                         DiagnosticSink& diags);

// Checks `defaults` once and returns its entries.
std::vector<YamlEntry> ParseDefaults(const YamlEntry& entry, DiagnosticSink& diags);

// "unknown key 'retires' (did you mean 'retries'?)"
std::string UnknownKeyMessage(const std::string& key, const std::vector<std::string>& known);

}  // namespace sluice
