#include "control/store_open.h"

#include <filesystem>

#include "util/file.h"

namespace sluice::control {

Result<std::unique_ptr<Store>> OpenStoreAsIs(const Config& config) {
  return OpenSqliteStore(config.db_path, config.durability_full);
}

Result<std::unique_ptr<Store>> OpenStore(const Config& config) {
  SLUICE_RETURN_IF_ERROR(MakeDirs(std::filesystem::path(config.db_path).parent_path().string()));
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStoreAsIs(config));
  SLUICE_ASSIGN_OR_RETURN(int version, store->SchemaVersion());
  if (version == 0) {
    SLUICE_RETURN_IF_ERROR(store->Migrate());
  } else if (version != store->LatestSchemaVersion()) {
    SLUICE_RETURN_IF_ERROR(store->Check());
  }
  return store;
}

}  // namespace sluice::control
