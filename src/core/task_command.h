#pragma once
// From a task and one attempt's template values to the process the executor starts: the task's
// kind builds its command (its operator, sluice/operator.h), then the keys every task has (`env`,
// `cwd`) are applied. The scheduler's one call per attempt; no switch on kinds anywhere.

#include <map>
#include <string>

#include "core/template.h"
#include "sluice/dag.h"
#include "sluice/operator.h"

namespace sluice {

// The command for one attempt of `task` (of `dag`) with template values `ctx`, fully resolved:
// - argv: from the task's operator;
// - env: `base_env` (the attempt's SLUICE_* variables), then the operator's, then the task's
//   `env` key, each later one winning, values rendered;
// - cwd: the task's `cwd` key (rendered) if set, else the operator's, else the DAG file's folder
//   ("." when the file has none); a relative one is taken from the DAG file's folder.
// Errors: the first template that does not render, the operator's errors, a kind that is not
// registered or that does not run as a process; each message is the attempt's error.
Result<ProcessCommand> BuildTaskCommand(const DagSpec& dag, const TaskSpec& task,
                                        const TemplateContext& ctx,
                                        std::map<std::string, std::string> base_env);

}  // namespace sluice
