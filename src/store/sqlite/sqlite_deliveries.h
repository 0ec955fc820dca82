#pragma once
// Alert deliveries in SQLite (0009_alert_deliveries.sql): the rows a WriteBatch inserts, for
// Apply (sqlite_apply.cc). The reads and RecordDeliveryAttempt are SqliteStore members in
// sqlite_deliveries.cc.

#include <vector>

#include "sluice/store.h"
#include "store/sqlite/sqlite_db.h"

namespace sluice::sqlite {

// Inserts each delivery as a new row (the id is the store's), inside the caller's transaction.
Status InsertDeliveries(Db& db, const std::vector<DeliveryRecord>& deliveries);

}  // namespace sluice::sqlite
