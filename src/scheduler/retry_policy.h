#pragma once
// When a failed attempt is retried (DESIGN.md §2 "Retries").

#include <optional>
#include <string>

#include "scheduler/explanation.h"
#include "sluice/clock.h"
#include "sluice/dag.h"
#include "sluice/store.h"

namespace sluice {

// The delay before the attempt after failed attempt `attempt` (1-based, counted from the last
// clear), or none when the task has used its retries. Fixed: retry_delay. Exponential:
// min(retry_delay * 2^(attempt-1), max_retry_delay) less a jitter of at most 10%, derived from
// `jitter_key` so the same attempt always gets the same delay.
std::optional<Duration> RetryDelay(const TaskSpec& task, int attempt,
                                   const std::string& jitter_key);

// Why a task instance in up_for_retry waits: until when (its next_try_at), which try comes then,
// and how many of its retries that uses.
Explanation ExplainRetryWait(const TaskSpec& task, const TaskInstanceRecord& ti, TimePoint now);

}  // namespace sluice
