#include "control/dag_record.h"

#include "scheduler/run_builder.h"

namespace sluice::control {

Status RecordDag(Store& store, const DagSpec& dag, TimePoint now, WriteBatch* batch,
                 bool paused_on_create) {
  SLUICE_ASSIGN_OR_RETURN(auto rec, store.GetDag(dag.id));
  if (!rec && paused_on_create) {
    batch->set_paused.emplace_back(dag.id, true);
    EventRecord e;
    e.time = now;
    e.dag_id = dag.id;
    e.kind = "dag_paused";
    e.from = "active";
    e.to = "paused";
    e.detail = "new dag (dags_paused_on_create)";
    batch->events.push_back(e);
  }
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
