#include "control/dag_version_cache.h"

#include <map>
#include <mutex>
#include <utility>

#include "core/dag_loader.h"

namespace sluice::control {
namespace {

constexpr size_t kMaxVersions = 20'000;

struct Cache {
  std::mutex mu;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const DagSpec>> specs;
};

Cache& TheCache() {
  static Cache* cache = new Cache();  // never destroyed: threads may use it during exit
  return *cache;
}

}  // namespace

Result<std::shared_ptr<const DagSpec>> CachedDagVersion(Store& store, const std::string& dag_id,
                                                        const std::string& hash) {
  Cache& cache = TheCache();
  const auto key = std::make_pair(dag_id, hash);
  {
    std::lock_guard<std::mutex> lock(cache.mu);
    auto it = cache.specs.find(key);
    if (it != cache.specs.end()) return it->second;
  }
  // Read and parsed outside the lock: two threads may both parse a new version, and keep one.
  SLUICE_ASSIGN_OR_RETURN(auto version, store.GetDagVersion(dag_id, hash));
  if (!version) {
    return Status::Internal("dag '" + dag_id + "' version " + hash + " is not in the store");
  }
  SLUICE_ASSIGN_OR_RETURN(DagSpec spec, DagFromJson(version->spec_json));
  auto shared = std::make_shared<const DagSpec>(std::move(spec));
  std::lock_guard<std::mutex> lock(cache.mu);
  if (cache.specs.size() >= kMaxVersions) cache.specs.clear();
  return cache.specs.emplace(key, std::move(shared)).first->second;
}

}  // namespace sluice::control
