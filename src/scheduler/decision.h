#pragma once
// What the planner hands the driver after an event: the transitions to commit, then the actions
// to perform once they are committed (DESIGN.md §1, STYLE.md convention 6). Nothing here has
// happened yet; the driver makes it happen in this order, so no process starts or stops on the
// strength of a state the store does not hold.

#include <variant>
#include <vector>

#include "executor/executor.h"
#include "scheduler/poke.h"
#include "sluice/store.h"

namespace sluice {

// Start an attempt: its task instance is recorded as running (and the attempt as started) in
// the same decision's writes.
struct LaunchAction {
  LaunchRequest request;
};

// Ask a running attempt to stop; its end still comes back as an AttemptOutcome.
struct KillAction {
  AttemptKey key;
};

// The planner's earliest deadline (a retry, a scheduled run) is now `when`: wake it then.
struct ArmTimerAction {
  TimePoint when;
};

// Poke a deferred sensor's condition, off the event loop (poker.h); its result comes back as
// Planner::OnPokeResult. The task instance is recorded as deferred in the same decision.
struct PokeAction {
  PokeRequest request;
};

using Action = std::variant<LaunchAction, KillAction, ArmTimerAction, PokeAction>;

struct Decision {
  WriteBatch writes;            // committed in one transaction, before any action
  std::vector<Action> actions;  // performed in order, after the commit

  bool empty() const { return writes.empty() && actions.empty(); }
};

// The task instance the event `e` is about, as `writes` stores it: its last write (a transition
// or an upsert), since the last write of a row is what the commit leaves. nullptr if the batch
// does not write it. For what reads a committed batch (decision_log.h, alert_events.h).
inline const TaskInstanceRecord* WrittenTaskInstance(const WriteBatch& writes,
                                                     const EventRecord& e) {
  auto same = [&](const TaskInstanceRecord& ti) {
    return ti.dag_id == e.dag_id && ti.run_id == e.run_id && ti.task_id == e.task_id &&
           ti.map_index == e.map_index;
  };
  for (auto it = writes.task_transitions.rbegin(); it != writes.task_transitions.rend(); ++it) {
    if (same(it->to)) return &it->to;
  }
  for (auto it = writes.task_instances.rbegin(); it != writes.task_instances.rend(); ++it) {
    if (same(*it)) return &*it;
  }
  return nullptr;
}

}  // namespace sluice
