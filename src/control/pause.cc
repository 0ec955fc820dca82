#include "control/pause.h"

#include "control/command_queue.h"
#include "control/dag_lookup.h"
#include "control/dag_record.h"

namespace sluice::control {

Status SetPaused(const Context& ctx, const std::string& dag_id, bool paused) {
  const TimePoint now = ctx.clock.Now();
  SLUICE_ASSIGN_OR_RETURN(auto rec, ctx.store.GetDag(dag_id));
  WriteBatch batch;
  if (!rec || rec->hash.empty()) {
    SLUICE_ASSIGN_OR_RETURN(DagSpec dag, FindDag(ctx, dag_id));
    SLUICE_RETURN_IF_ERROR(RecordDag(ctx.store, dag, now, &batch));
  }
  batch.set_paused.emplace_back(dag_id, paused);
  EventRecord e;
  e.time = now;
  e.dag_id = dag_id;
  e.kind = "dag_paused";
  e.from = rec && rec->paused ? "paused" : "active";
  e.to = paused ? "paused" : "active";
  batch.events.push_back(e);
  SLUICE_RETURN_IF_ERROR(ctx.store.Apply(batch));
  return EnqueueCommand(ctx.store, paused ? "pause" : "unpause", {{"dag", dag_id}}, now).status();
}

}  // namespace sluice::control
