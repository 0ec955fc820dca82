#pragma once
// One poke of a deferred sensor (sluice/sensor.h) as the planner asks for it and as its result
// comes back: plain values, handed to the poker thread (poker.h) and back through the driver.

#include <cstdint>
#include <string>

#include "sluice/clock.h"
#include "sluice/sensor.h"
#include "sluice/value.h"

namespace sluice {

struct PokeRequest {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  // The planner's id for this poke: a result is taken only while its task instance still waits
  // for this very poke (not after a clear, a mark, a kill or a reload).
  uint64_t id = 0;
  std::string type;  // the registered sensor type
  Value config;      // the type's config, its templates rendered for the task instance
  std::string base_dir;
  Value memo;     // what the previous poke left (PokeResult::memo)
  TimePoint now;  // the time of the poke
};

struct PokeOutcome {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  uint64_t id = 0;
  PokeResult result;
};

}  // namespace sluice
