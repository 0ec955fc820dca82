#pragma once
// Run parameters given as NAME=VALUE (`--param`), checked against what a DAG declares.

#include <string>
#include <vector>

#include "sluice/dag.h"
#include "sluice/status.h"

namespace sluice::control {

// A JSON object of strings, one member per assignment (a later one wins). Errors
// (kInvalidArgument): an assignment without '=' or a name, or a name `dag` does not declare
// ("dag 'etl' has no param 'rot' (did you mean 'root'?); declared: root").
Result<std::string> ParamsJson(const DagSpec& dag, const std::vector<std::string>& assignments);

}  // namespace sluice::control
