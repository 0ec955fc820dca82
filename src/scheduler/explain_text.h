#pragma once
// Small text helpers shared by the rules' Explain functions (explanation.h).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "executor/executor.h"
#include "sluice/clock.h"

namespace sluice {

// "a, b, c" for up to `most` items, then "and N more": a line stays readable for a wide fan-in.
std::string JoinSome(const std::vector<std::string>& items, size_t most = 5);
// "DAG/RUN/TASK try N" (with "@INDEX" after the task of a mapped instance).
std::string AttemptName(const AttemptKey& key);
// The attempts holding a limit's slots, as `held_by` lists them in an Explanation's fields.
nlohmann::json AttemptsJson(const std::vector<AttemptKey>& keys);
// "in 4m30s", "now" (at or before `now`).
std::string FromNow(TimePoint when, TimePoint now);

}  // namespace sluice
