#pragma once
// What the scheduler tells its log about a committed decision (docs/cli.md "Processes"): one
// info line per run created or ended, per failed attempt (its exit code, signal or error, and
// whether it is retried) and per lost attempt. Derived from the decision's writes after they
// are committed, never from the planner's intentions, so the log says only what the store holds.

#include <string>
#include <vector>

#include "sluice/store.h"

namespace sluice {

// The lines for `writes`, in the order of its events. Pure; the driver logs them.
std::vector<std::string> DecisionLogLines(const WriteBatch& writes);

// Warnings for `writes`: one per ended attempt whose log was cut (its log_note), e.g. "task
// etl/RUN/load try 1: log cut: No space left on device: 5230 bytes not kept", then one per SLA
// miss ("run etl/RUN missed its SLA: not done 2h after ...") and long-running attempt ("task
// etl/RUN/load is running long: running 31m, longer than 30m (expected_duration)"). Pure.
std::vector<std::string> DecisionWarnings(const WriteBatch& writes);

}  // namespace sluice
