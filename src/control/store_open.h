#pragma once
// Opening the store of an installation.

#include <memory>

#include "control/config.h"
#include "sluice/store.h"

namespace sluice::control {

// Opens the configured store, creating its folder. A brand-new database is migrated; one at an
// older schema version is refused with the fix (`sluice db migrate`).
Result<std::unique_ptr<Store>> OpenStore(const Config& config);

// Opens it as it is, neither migrating nor checking: for `db migrate` and `db check`.
Result<std::unique_ptr<Store>> OpenStoreAsIs(const Config& config);

}  // namespace sluice::control
