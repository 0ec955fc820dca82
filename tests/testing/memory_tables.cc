#include "tests/testing/memory_tables.h"

#include "util/check.h"

namespace sluice::memory {
namespace {

bool IsOpen(RunState s) { return s == RunState::kQueued || s == RunState::kRunning; }

template <typename Map>
std::optional<typename Map::mapped_type> Find(const Map& map, const typename Map::key_type& key) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

}  // namespace

RunKey KeyOf(const RunRecord& r) { return {r.dag_id, r.run_id}; }

TaskInstanceKey KeyOf(const TaskInstanceRecord& t) {
  return {t.dag_id, t.run_id, t.task_id, t.map_index};
}

AttemptKey KeyOf(const AttemptRecord& a) {
  return {{a.dag_id, a.run_id, a.task_id, a.map_index}, a.try_number};
}

void Tables::OnUndo(std::function<void()> restore) {
  if (saved_) undo_.push_back(std::move(restore));
}

void Tables::SetDag(DagRecord d) {
  std::string key = d.dag_id;
  OnUndo([this, key, old = Find(dags_, key)] {
    if (old) {
      dags_[key] = *old;
    } else {
      dags_.erase(key);
    }
  });
  dags_[key] = std::move(d);
}

void Tables::SetDagVersion(DagVersionRecord v) {
  auto key = std::make_pair(v.dag_id, v.hash);
  OnUndo([this, key, old = Find(dag_versions_, key)] {
    if (old) {
      dag_versions_[key] = *old;
    } else {
      dag_versions_.erase(key);
    }
  });
  dag_versions_[key] = std::move(v);
}

void Tables::PutRun(const RunKey& key, std::optional<StoredRun> row) {
  open_runs_.erase(key);
  if (!row) {
    runs_.erase(key);
    return;
  }
  if (IsOpen(row->record.state)) open_runs_.insert(key);
  runs_[key] = std::move(*row);
}

void Tables::SetRun(const RunRecord& r) {
  RunKey key = KeyOf(r);
  std::optional<StoredRun> old = Find(runs_, key);
  OnUndo([this, key, old] { PutRun(key, old); });
  PutRun(key, StoredRun{r, old ? old->rowid : ++counters_.last_rowid});
}

void Tables::PutTaskInstance(const TaskInstanceKey& key, std::optional<StoredTaskInstance> row) {
  auto it = task_instances_.find(key);
  if (it != task_instances_.end() && it->second.queued_order != 0) {
    queue_.erase(it->second.queued_order);
  }
  if (!row) {
    task_instances_.erase(key);
    return;
  }
  if (row->queued_order != 0) queue_[row->queued_order] = key;
  task_instances_[key] = std::move(*row);
}

void Tables::SetTaskInstance(const TaskInstanceRecord& t) {
  TaskInstanceKey key = KeyOf(t);
  std::optional<StoredTaskInstance> old = Find(task_instances_, key);
  OnUndo([this, key, old] { PutTaskInstance(key, old); });
  StoredTaskInstance row{t, old ? old->seq : ++counters_.last_seq, 0};
  if (t.state == TaskState::kQueued) {
    const bool stays_queued = old && old->record.state == TaskState::kQueued;
    row.queued_order = stays_queued ? old->queued_order : ++counters_.last_queued_order;
  }
  PutTaskInstance(key, std::move(row));
}

void Tables::SetAttempt(const AttemptRecord& a) {
  AttemptKey key = KeyOf(a);
  SLUICE_DCHECK(task_instances_.count(key.first) == 1, "an attempt is stored under its task");
  OnUndo([this, key, old = Find(attempts_, key)] {
    if (old) {
      attempts_[key] = *old;
    } else {
      attempts_.erase(key);
    }
  });
  attempts_[key] = a;
}

int64_t Tables::AppendEvent(EventRecord e) {
  OnUndo([this] { events_.pop_back(); });
  e.id = static_cast<int64_t>(events_.size()) + 1;
  events_.push_back(std::move(e));
  return events_.back().id;
}

int64_t Tables::AppendCommand(CommandRecord c) {
  OnUndo([this] { commands_.pop_back(); });
  c.id = static_cast<int64_t>(commands_.size()) + 1;
  commands_.push_back(std::move(c));
  return commands_.back().id;
}

int64_t Tables::AppendDelivery(DeliveryRecord d) {
  OnUndo([this] { deliveries_.pop_back(); });
  d.id = static_cast<int64_t>(deliveries_.size()) + 1;
  deliveries_.push_back(std::move(d));
  return deliveries_.back().id;
}

void Tables::SetDelivery(const DeliveryRecord& d) {
  SLUICE_DCHECK(d.id >= 1 && d.id <= static_cast<int64_t>(deliveries_.size()),
                "a delivery is updated by an id the table holds");
  OnUndo([this, old = deliveries_[d.id - 1]] { deliveries_[old.id - 1] = old; });
  deliveries_[d.id - 1] = d;
}

void Tables::AppendDeliveryAttempt(const DeliveryAttemptRecord& a) {
  OnUndo([this, id = a.delivery_id] {
    auto& list = delivery_attempts_[id];
    list.pop_back();
    if (list.empty()) delivery_attempts_.erase(id);
  });
  delivery_attempts_[a.delivery_id].push_back(a);
}

void Tables::SetCommand(const CommandRecord& c) {
  SLUICE_DCHECK(c.id >= 1 && c.id <= static_cast<int64_t>(commands_.size()),
                "the caller looked the command up");
  CommandRecord& row = commands_[c.id - 1];
  OnUndo([this, old = row] { commands_[old.id - 1] = old; });
  row = c;
}

void Tables::Begin() {
  SLUICE_CHECK(!saved_, "transactions do not nest");
  saved_ = counters_;
}

void Tables::Commit() {
  SLUICE_CHECK(saved_, "a transaction is open");
  saved_.reset();
  undo_.clear();
}

void Tables::Rollback() {
  SLUICE_CHECK(saved_, "a transaction is open");
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
  undo_.clear();
  counters_ = *saved_;
  saved_.reset();
}

}  // namespace sluice::memory
