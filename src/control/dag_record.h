#pragma once
// Making sure the store knows a DAG and the version a new run refers to.

#include "sluice/dag.h"
#include "sluice/store.h"

namespace sluice::control {

// Adds to `batch` what the store lacks of `dag`: its row (when absent, or without a version
// yet) and its version (spec JSON under its hash). A scheduler updates the row as the file
// changes; this only fills it in for commands run before any scheduler saw the DAG.
// `paused_on_create`: a DAG the store has no row of is created paused (with a `dag_paused`
// event), as the scheduler does with sluice.yaml `dags_paused_on_create: true`.
Status RecordDag(Store& store, const DagSpec& dag, TimePoint now, WriteBatch* batch,
                 bool paused_on_create = false);

}  // namespace sluice::control
