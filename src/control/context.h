#pragma once
// What a command works on: an installation's configuration, its open store and the clock. All
// borrowed; the caller keeps them alive for the call.

#include "control/config.h"
#include "sluice/clock.h"
#include "sluice/store.h"

namespace sluice::control {

struct Context {
  const Config& config;
  Store& store;
  const Clock& clock;
};

}  // namespace sluice::control
