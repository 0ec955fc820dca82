#pragma once
// The task kinds this process knows: kind name -> Operator (include/sluice/operator.h), filled by
// RegisterOperator at start-up and read by the DAG loader (which keys are kind keys, and their
// validation), the canonical JSON (which kinds a stored version may name) and the scheduler
// (each attempt's command, through task_command.h). A kind owns one task key, its name, and its
// options usually go inside that key's value (`exec: [ls, -l]`), so that what is neither a kind
// key nor a common key is an unknown key. A kind may instead read the task's other keys
// (Operator::reads_other_keys): `sensor: file` with `path:`, `poke_every:` beside it. Then those
// keys are the kind's to validate and to report when unknown; a task still has one kind key.
//
// Why one registry per process rather than one passed to the loader: the set of kinds is a
// property of the program, fixed at start-up like the code linked into it, while DAG specs are
// read in many places of many modules (folder and generator loading, `dags validate`, the
// scheduler reading stored versions back, tests). Passing a registry would add a parameter to
// each of those signatures (LoadDagFile, LoadDagFolder, DagFromJson, the scheduler's DAG
// sources) for no program that needs two sets of kinds. Registration is an explicit call
// (RegisterBuiltinOperators in src/operators/builtin.h, from each main), never a static
// initializer: the linker drops object files of a static library that nothing references, and
// with them such initializers. Every test binary registers the built-ins in its shared main
// (tests/testing/test_main.cc).

#include <string>
#include <string_view>
#include <vector>

#include "sluice/operator.h"

namespace sluice {

// The operator of `kind`, or nullptr when no such kind is registered. The pointer stays valid
// until the kind is unregistered, which only tests do. Thread-safe.
const Operator* FindOperator(std::string_view kind);

// The registered kinds' names in the order they were registered ("run", "exec" first when the
// built-ins are). Thread-safe.
std::vector<std::string> OperatorKinds();

// Forgets `kind` (nothing if it is not registered). For tests that register a kind of their own:
// call it only when no DAG of that kind is in use and no FindOperator pointer to it is held.
void UnregisterOperator(std::string_view kind);

// The registered kinds quoted for a message: "'run' or 'exec'", "'run', 'exec' or 'echo'"; ""
// when there are none.
std::string QuotedKinds();

}  // namespace sluice
