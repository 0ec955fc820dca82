#pragma once
// `sensor: sql` (issue 14): waits until a query's first value is true, on a named connection.
//   wait_row: {sensor: sql, connection: warehouse, query: "select count(*) > 0 from loads"}
// Keys: `connection`, a name from sluice.yaml `connections` or a SLUICE_CONN_<NAME> variable
// (Validate cannot know the names: a poke reports an unknown one), and `query`, a template.
// The condition holds when the first column of the first row is true, a non-zero number, or a
// text that is not empty, "0", "f" or "false"; no rows or NULL: not yet. SQLite files are
// opened read-only with a busy timeout; PostgreSQL (libpq) gets connect_timeout and
// statement_timeout from the poke's budget and a read-only transaction. A detail never holds
// the connection's password. See docs/connections.md.

#include <memory>

#include "sluice/sensor.h"

namespace sluice {

std::unique_ptr<const SensorType> MakeSqlSensor();

}  // namespace sluice
