#pragma once
// DAG versions as parsed specs, kept by (DAG id, hash) for the life of the process. A version's
// hash names its content, so a kept spec never goes stale. `sluice api` reads the same versions
// on every request (the DAG list reads one per DAG): parsing 1,000 stored specs per request cost
// tens of milliseconds; a lookup here costs a map find. A one-shot CLI command gains nothing and
// loses nothing.

#include <memory>
#include <string>

#include "sluice/dag.h"
#include "sluice/status.h"
#include "sluice/store.h"

namespace sluice::control {

// The spec of `dag_id`'s version `hash`, read from `store` and parsed on the first call, from
// memory after. Errors: kInternal "dag 'D' version H is not in the store"; the store's; the
// parser's. Thread safe. At most 20,000 versions are kept (about 20 MB for DAGs of 10 tasks);
// beyond that the cache starts afresh.
Result<std::shared_ptr<const DagSpec>> CachedDagVersion(Store& store, const std::string& dag_id,
                                                        const std::string& hash);

}  // namespace sluice::control
