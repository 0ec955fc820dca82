#include "control/trigger.h"

#include "control/command_queue.h"
#include "control/dag_lookup.h"
#include "control/dag_record.h"
#include "control/params.h"
#include "scheduler/run_builder.h"

namespace sluice::control {

Result<TriggeredRun> Trigger(const Context& ctx, const std::string& dag_id,
                             const std::vector<std::string>& params) {
  SLUICE_ASSIGN_OR_RETURN(DagSpec dag, FindDag(ctx, dag_id));
  SLUICE_ASSIGN_OR_RETURN(std::string params_json, ParamsJson(dag, params));
  SLUICE_ASSIGN_OR_RETURN(DagGraphPtr graph, DagGraph::Build(dag));
  const TimePoint now = ctx.clock.Now();
  WriteBatch batch = BuildNewRun(*graph, RunType::kManual, {now, now, now}, params_json, now);
  TriggeredRun triggered;
  triggered.dag_id = dag.id;
  triggered.run_id = batch.runs.front().run_id;
  SLUICE_RETURN_IF_ERROR(RecordDag(ctx.store, dag, now, &batch, ctx.config.dags_paused_on_create));
  SLUICE_RETURN_IF_ERROR(ctx.store.Apply(batch));
  SLUICE_RETURN_IF_ERROR(
      EnqueueCommand(ctx.store, "trigger", {{"dag", dag.id}, {"run", triggered.run_id}}, now)
          .status());
  SLUICE_ASSIGN_OR_RETURN(auto rec, ctx.store.GetDag(dag.id));
  triggered.dag_paused = rec && rec->paused;
  return triggered;
}

}  // namespace sluice::control
