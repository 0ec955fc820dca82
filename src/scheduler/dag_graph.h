#pragma once
// A DAG version prepared for scheduling: tasks by dense index, upstream and downstream lists,
// leaves, and its timetable. Immutable once built; shared by every run that uses the version.

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sluice/dag.h"
#include "sluice/status.h"
#include "time/timetable.h"

namespace sluice {

class DagGraph {
 public:
  // Fails only if the schedule cannot be built (the loader has already validated it).
  static Result<std::shared_ptr<const DagGraph>> Build(DagSpec spec);
  // Shares `spec` rather than copying it: the planner keeps each file's specs as loaded, and a
  // DAG of 10,000 tasks is megabytes.
  static Result<std::shared_ptr<const DagGraph>> Build(std::shared_ptr<const DagSpec> spec);

  const DagSpec& spec() const { return *spec_; }
  const std::string& id() const { return spec_->id; }
  size_t size() const { return spec_->tasks.size(); }
  const TaskSpec& task(size_t i) const { return spec_->tasks[i]; }
  const std::vector<int>& upstream(size_t i) const { return upstream_[i]; }
  const std::vector<int>& downstream(size_t i) const { return downstream_[i]; }
  bool is_leaf(size_t i) const { return downstream_[i].empty(); }
  // Whether any task has depends_on_past (its runs then need their previous run's states).
  bool has_depends_on_past() const { return has_depends_on_past_; }
  // -1 when the task is not in this version.
  int IndexOf(const std::string& task_id) const;
  // Null when the DAG has no schedule (manual runs only).
  const Timetable* timetable() const { return timetable_ ? &*timetable_ : nullptr; }
  // `task` and everything downstream of it, each once, `task` first.
  std::vector<int> WithDownstream(int task) const;
  // `task` and everything upstream of it, each once, `task` first.
  std::vector<int> WithUpstream(int task) const;

 private:
  std::shared_ptr<const DagSpec> spec_;
  std::vector<std::vector<int>> upstream_;
  std::vector<std::vector<int>> downstream_;
  std::unordered_map<std::string, int> index_;
  std::optional<Timetable> timetable_;
  bool has_depends_on_past_ = false;
};

using DagGraphPtr = std::shared_ptr<const DagGraph>;

}  // namespace sluice
