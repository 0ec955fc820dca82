#pragma once
// How task instances, runs and events map to rows, for the code that writes or reads them in
// more than one place: Apply (sqlite_apply.cc), the conditional transitions
// (sqlite_transitions.cc), the claims (sqlite_claims.cc) and the reads (sqlite_reads.cc).

#include <optional>
#include <string>
#include <vector>

#include "sluice/store.h"
#include "store/record_names.h"
#include "store/sqlite/sqlite_db.h"

namespace sluice::sqlite {

// map_index as stored: -1 for an unmapped task (nullopt), which a unique index compares as
// equal where it would not compare NULLs (0005_mapped_task_instances_and_claims.sql).
inline int64_t StoredMapIndex(std::optional<int> map_index) { return map_index.value_or(-1); }
inline std::optional<int> MapIndexFromStored(int64_t stored) {
  if (stored < 0) return std::nullopt;
  return static_cast<int>(stored);
}

// A state name read from the database that this build does not know is an error, not a guess.
template <typename T>
Result<T> ParsedOr(std::optional<T> parsed, const std::string& text, const std::string& what) {
  if (parsed) return *parsed;
  return Status::Io(what + ": unknown value '" + text +
                    "' in the database (written by a newer sluice?)");
}

// "SELECT <every task instance column> FROM task_instances", in ReadTaskInstance's order.
extern const char* const kSelectTaskInstances;
Result<TaskInstanceRecord> ReadTaskInstance(const Statement& s);

// Binds a task instance's key to ?1..?4 (dag_id, run_id, task_id, map_index) and its other
// fields to ?5..?12 (state, try_number, retry_base, start_us, end_us, next_try_at_us, owner,
// lease_until_us), as the upsert and the conditional update expect.
void BindTaskInstance(Statement& s, const TaskInstanceRecord& t);

// The value of queued_order for a row written in state ?5, in a statement where `state` and
// `queued_order` are the row's stored values: a row that stays queued keeps its place, one
// that becomes queued goes to the end of the queue, any other has none.
extern const char* const kQueuedOrderOnUpdate;

// Binds a run's key to ?1..?2 and its other fields to ?3..?13, in kRunColumns' order.
void BindRun(Statement& s, const RunRecord& r);

// Appends `events` in order (their ids are the store's).
Status InsertEvents(Db& db, const std::vector<EventRecord>& events);

}  // namespace sluice::sqlite
