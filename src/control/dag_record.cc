#include "control/dag_record.h"

#include "scheduler/run_builder.h"

namespace sluice::control {

Status RecordDag(Store& store, const DagSpec& dag, TimePoint now, WriteBatch* batch) {
  SLUICE_ASSIGN_OR_RETURN(auto rec, store.GetDag(dag.id));
  if (!rec || rec->hash.empty()) {
    DagRecord r = rec ? *rec : DagRecord();
    r.dag_id = dag.id;
    r.file = dag.file;
    r.hash = dag.hash;
    batch->dags.push_back(r);
  }
  AddDagVersionIfNew(store, dag, now, batch);
  return Status::Ok();
}

}  // namespace sluice::control
