#pragma once
// The rules that relate fields of a parsed DAG to each other: ids, `needs`, cycles, time zone,
// start/end (read in the DAG's zone), the schedule, templates against declared params.

#include "core/dag_parser.h"
#include "core/yaml_reader.h"

namespace sluice {

// Checks `parsed`, reporting each problem at its node, and completes the spec (`needs`, `start`,
// `end`). The spec is only meaningful when nothing was reported.
void ValidateDag(ParsedDag& parsed, DiagnosticSink& diags);

// [A-Za-z0-9_.-]{1,200}, except "." and "..": the form of DAG and task ids. Ids become folder
// names (logs/DAG/RUN/TASK/), so no id may be "/" or step out of its folder.
bool IsValidId(const std::string& id);

}  // namespace sluice
