#include "scheduler/dag_graph.h"

namespace sluice {

Result<std::shared_ptr<const DagGraph>> DagGraph::Build(DagSpec spec) {
  return Build(std::make_shared<const DagSpec>(std::move(spec)));
}

Result<std::shared_ptr<const DagGraph>> DagGraph::Build(std::shared_ptr<const DagSpec> spec) {
  auto graph = std::make_shared<DagGraph>();
  graph->spec_ = std::move(spec);
  const auto& tasks = graph->spec_->tasks;
  graph->upstream_.resize(tasks.size());
  graph->downstream_.resize(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    graph->index_[tasks[i].id] = static_cast<int>(i);
    graph->has_depends_on_past_ = graph->has_depends_on_past_ || tasks[i].depends_on_past;
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    for (const auto& need : tasks[i].needs) {
      auto it = graph->index_.find(need);
      if (it == graph->index_.end()) {
        return Status::Invalid("task '" + tasks[i].id + "' needs unknown task '" + need + "'");
      }
      graph->upstream_[i].push_back(it->second);
      graph->downstream_[static_cast<size_t>(it->second)].push_back(static_cast<int>(i));
    }
  }
  const DagSpec& s = *graph->spec_;
  if (s.schedule) {
    if (!s.start) return Status::Invalid("dag '" + s.id + "': 'start' is required with a schedule");
    SLUICE_ASSIGN_OR_RETURN(Timetable tt,
                            Timetable::Create(*s.schedule, s.timezone, *s.start, s.end));
    graph->timetable_.emplace(std::move(tt));
  }
  return std::shared_ptr<const DagGraph>(std::move(graph));
}

int DagGraph::IndexOf(const std::string& task_id) const {
  auto it = index_.find(task_id);
  return it == index_.end() ? -1 : it->second;
}

namespace {

// `task` and every task reachable from it through `edges`, each once, breadth first.
std::vector<int> Reachable(int task, const std::vector<std::vector<int>>& edges) {
  std::vector<int> out{task};
  std::vector<bool> seen(edges.size(), false);
  seen[static_cast<size_t>(task)] = true;
  for (size_t k = 0; k < out.size(); ++k) {
    for (int d : edges[static_cast<size_t>(out[k])]) {
      if (!seen[static_cast<size_t>(d)]) {
        seen[static_cast<size_t>(d)] = true;
        out.push_back(d);
      }
    }
  }
  return out;
}

}  // namespace

std::vector<int> DagGraph::WithDownstream(int task) const { return Reachable(task, downstream_); }

std::vector<int> DagGraph::WithUpstream(int task) const { return Reachable(task, upstream_); }

}  // namespace sluice
