#pragma once
// Conditional writes: a task instance or a run written only if its stored state is still the
// one the writer last saw (WriteBatch::task_transitions, run_transitions; ClaimQueued). Each
// is one UPDATE ... WHERE state = FROM inside the caller's transaction; when it changes no row,
// a read of the row says why, for the kConflict message.

#include "sluice/store.h"
#include "store/sqlite/sqlite_db.h"

namespace sluice::sqlite {

// Writes `t.to` if its row is stored in state `t.from`. kConflict otherwise: "task instance
// D/R/T: expected state queued, found success" (or "..., but it does not exist").
Status ApplyTaskTransition(Db& db, const TaskTransition& t);

// Writes `t.to` if its run is stored in state `t.from`; kConflict otherwise, as above.
Status ApplyRunTransition(Db& db, const RunTransition& t);

}  // namespace sluice::sqlite
