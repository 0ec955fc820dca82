#pragma once
// `external` sensors in the scheduler (docs/dag-format.md "external", issue 14): a sensor that
// waits for a run of another DAG (or one of its tasks) to be in a wanted state, woken by that
// run's transitions instead of polling.
//
// When the sensor goes deferred the planner registers it here, keyed by the other run (DAG id,
// logical date), before it checks anything; every later change the planner makes to a run (a
// task's transition, a mark, a clear, the run's end: Planner::MarkDirty and MarkRunDirty)
// wakes its waiters, which the planner checks again before the decision is taken. A run the
// planner holds is judged from memory; one it does not hold has ended (or does not exist yet),
// and is read once from the store, off the loop, by the poker (ReadExternalRun). Anything that
// happens to it afterwards goes through the planner, so nothing is missed between the read and
// the wake-ups.
//
// The index costs one hash lookup per change of a DAG nobody waits for, none when nobody
// waits at all.

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/external_sensor_config.h"
#include "sluice/sensor.h"
#include "sluice/store.h"

namespace sluice {

// A run of the other DAG as a check sees it, from the planner's memory or from the store.
struct ExternalRunView {
  std::string run_id;
  RunState state = RunState::kQueued;
  bool has_task = false;  // the run has the awaited task
  TaskState task_state = TaskState::kNone;
};

// What a check finds in `runs` (the other DAG's runs at `logical_date`): met when one of them
// (or its task) is in a wanted state; the detail names the run and its state, for people:
// "run prices/scheduled__2025-01-02T00:00:00Z: task publish is running", "no run of prices at
// 2025-01-02T00:00:00Z yet".
PokeResult JudgeExternal(const ExternalSensorConfig& config, TimePoint logical_date,
                         const std::vector<ExternalRunView>& runs);

// The poke the planner hands the poker for a run it does not hold: the config and the other
// run's logical date, as a Value (PokeRequest::config of a request of type "external").
Value ExternalReadConfig(const ExternalSensorConfig& config, TimePoint logical_date);
// One read of `store` for such a request: the other DAG's runs at that logical date (and the
// task's state in each), judged. A store error is a kError result. On the poker's thread, with
// a store connection of its own.
PokeResult ReadExternalRun(Store& store, const Value& read_config);

// Which external sensors wait for which runs. Not thread-safe: the planner's.
class ExternalWaits {
 public:
  struct Waiter {
    std::string dag_id;
    std::string run_id;
    std::string task_id;
    auto operator<=>(const Waiter&) const = default;
  };
  struct Target {
    std::string dag_id;
    TimePoint logical_date;
  };

  // `waiter` waits for `target` (replacing what it waited for before).
  void Add(const Waiter& waiter, const Target& target);
  void Remove(const Waiter& waiter);
  // A run of `dag_id` at `logical_date` changed, and with it `task_id` of `run_id` when given:
  // the run's waiters are woken, and the task, if it is a waiter, is checked for leaving its
  // wait (a clear, a mark, a kill).
  void Changed(const std::string& dag_id, TimePoint logical_date, const std::string& run_id = "",
               const std::string& task_id = "") {
    if (dags_.empty()) return;
    auto it = dags_.find(dag_id);
    if (it != dags_.end()) NoteChange(dag_id, it->second, logical_date, run_id, task_id);
  }
  bool HasWoken() const { return !woken_.empty() || !moved_.empty(); }
  // The waiters whose run changed, and the waiters that changed themselves, since the last call.
  std::pair<std::set<Waiter>, std::set<Waiter>> TakeWoken();
  size_t size() const { return waiters_; }

 private:
  struct DagWaits {
    std::map<TimePoint, std::set<Waiter>> waited;                   // runs of this DAG
    std::map<std::pair<std::string, std::string>, Target> waiting;  // (run, task) of this DAG
  };
  void NoteChange(const std::string& dag_id, DagWaits& dag, TimePoint logical_date,
                  const std::string& run_id, const std::string& task_id);

  std::unordered_map<std::string, DagWaits> dags_;  // by DAG id; no empty entry is kept
  std::set<Waiter> woken_;
  std::set<Waiter> moved_;
  size_t waiters_ = 0;
};

}  // namespace sluice
