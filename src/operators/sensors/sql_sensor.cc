#include "operators/sensors/sql_sensor.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>

#include "operators/sensors/sensor_keys.h"
#include "util/redact.h"
#include "util/strings.h"

namespace sluice {
namespace {

const std::vector<std::string> kKeys = {"connection", "query"};

// The first value a query returned, as the condition reads it.
struct FirstValue {
  enum class Kind { kNoRows, kNull, kNumber, kText };
  Kind kind = Kind::kNoRows;
  double number = 0;
  std::string text;  // as the database wrote it (also for numbers)
};

bool Holds(const FirstValue& v) {
  switch (v.kind) {
    case FirstValue::Kind::kNumber:
      return v.number != 0;
    case FirstValue::Kind::kText: {
      std::string lower = v.text;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      return !lower.empty() && lower != "0" && lower != "f" && lower != "false";
    }
    default:
      return false;
  }
}

std::string Shown(const FirstValue& v) {
  switch (v.kind) {
    case FirstValue::Kind::kNoRows:
      return "no rows";
    case FirstValue::Kind::kNull:
      return "NULL";
    default:
      return v.text.empty() ? "''" : OneLine(v.text, 60);
  }
}

bool IsConnectionName(const std::string& name) {
  return !name.empty() && std::islower(static_cast<unsigned char>(name[0])) &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) {
           return std::islower(c) || std::isdigit(c) || c == '_';
         });
}

int64_t Millis(Duration d) {
  return std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

// SQLite: `path` read-only. The budget bounds both the wait for a lock (busy timeout) and the
// query (a progress handler interrupts it): real time, as the budget is.
Result<FirstValue> QuerySqlite(const std::string& path, const std::string& query, Duration budget) {
  sqlite3* db = nullptr;
  const int open = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> owned(db, sqlite3_close_v2);
  if (open != SQLITE_OK) {
    return Status::Io("cannot open " + path +
                      " read-only: " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(open)));
  }
  sqlite3_busy_timeout(db, static_cast<int>(std::min<int64_t>(Millis(budget), 1 << 30)));
  const auto deadline = std::chrono::steady_clock::now() + budget;
  sqlite3_progress_handler(
      db, 1000,
      [](void* arg) -> int {
        return std::chrono::steady_clock::now() >
               *static_cast<const std::chrono::steady_clock::time_point*>(arg);
      },
      const_cast<std::chrono::steady_clock::time_point*>(&deadline));
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, query.c_str(), static_cast<int>(query.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return Status::Invalid(sqlite3_errmsg(db));
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned_stmt(stmt, sqlite3_finalize);
  if (stmt == nullptr) return Status::Invalid("the query is empty");
  const int step = sqlite3_step(stmt);
  FirstValue v;
  if (step == SQLITE_DONE) return v;
  if (step == SQLITE_INTERRUPT) {
    return Status::Io("the query ran past the poke's budget of " + std::to_string(Millis(budget)) +
                      "ms");
  }
  if (step != SQLITE_ROW) return Status::Io(sqlite3_errmsg(db));
  if (sqlite3_column_count(stmt) == 0) return Status::Invalid("the query returned no columns");
  switch (sqlite3_column_type(stmt, 0)) {
    case SQLITE_NULL:
      v.kind = FirstValue::Kind::kNull;
      break;
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
      v.kind = FirstValue::Kind::kNumber;
      v.number = sqlite3_column_double(stmt, 0);
      v.text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      break;
    default: {
      v.kind = FirstValue::Kind::kText;
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      v.text.assign(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
    }
  }
  return v;
}

// The OIDs of PostgreSQL's number types (pg_type.dat): int8, int2, int4, float4, float8,
// numeric. Their text form is read as a number, so `0.00` is false.
bool IsPgNumber(Oid type) {
  return type == 20 || type == 21 || type == 23 || type == 700 || type == 701 || type == 1700;
}

// libpq's messages start with a severity and two spaces; the detail keeps the text.
std::string PgMessage(const char* message) {
  std::string line = OneLine(message ? message : "");
  for (const char* prefix : {"ERROR: ", "FATAL: "}) {
    if (StartsWith(line, prefix)) line = std::string(Trim(line.substr(std::string(prefix).size())));
  }
  return line.empty() ? "unknown error" : line;
}

// PostgreSQL: a connection per poke (a sensor pokes every minute or so; pooling would hold a
// server connection for each waiting sensor), bounded by the budget and read-only.
Result<FirstValue> QueryPostgres(const std::string& url, const std::string& query,
                                 Duration budget) {
  // libpq takes whole seconds for connect_timeout (and treats 1 as 2).
  const std::string connect_timeout =
      std::to_string(std::max<int64_t>(1, (Millis(budget) + 999) / 1000));
  const std::string options = "-c statement_timeout=" + std::to_string(Millis(budget)) +
                              " -c default_transaction_read_only=on";
  const char* keywords[] = {"dbname", "connect_timeout", "options", "fallback_application_name",
                            nullptr};
  const char* values[] = {url.c_str(), connect_timeout.c_str(), options.c_str(), "sluice", nullptr};
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdbParams(keywords, values, 1), PQfinish);
  if (conn == nullptr) return Status::Io("out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::Io(PgMessage(PQerrorMessage(conn.get())));
  }
  std::unique_ptr<PGresult, void (*)(PGresult*)> res(PQexec(conn.get(), query.c_str()), PQclear);
  const ExecStatusType status = PQresultStatus(res.get());
  if (status != PGRES_TUPLES_OK) {
    if (status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY) {
      return Status::Invalid("the query returned no rows to read (use a SELECT)");
    }
    return Status::Invalid(PgMessage(PQresultErrorMessage(res.get())));
  }
  FirstValue v;
  if (PQntuples(res.get()) == 0) return v;
  if (PQnfields(res.get()) == 0) return Status::Invalid("the query returned no columns");
  if (PQgetisnull(res.get(), 0, 0)) {
    v.kind = FirstValue::Kind::kNull;
    return v;
  }
  v.text = PQgetvalue(res.get(), 0, 0);
  v.kind = FirstValue::Kind::kText;
  if (IsPgNumber(PQftype(res.get(), 0))) {
    char* end = nullptr;
    const double n = std::strtod(v.text.c_str(), &end);
    if (end != v.text.c_str() && *end == '\0' && !std::isnan(n)) {
      v.kind = FirstValue::Kind::kNumber;
      v.number = n;
    }
  }
  return v;
}

class SqlSensor final : public SensorType {
 public:
  std::optional<Value> Validate(const std::vector<SpecEntry>& keys,
                                SpecDiagnostics& diags) const override {
    std::optional<std::string> connection, query;
    bool ok = true;
    bool seen_connection = false, seen_query = false;
    for (const SpecEntry& e : keys) {
      seen_connection |= e.key.text == "connection";
      seen_query |= e.key.text == "query";
      if (e.key.text == "connection") {
        connection = ReadSpecString(e, diags);
        if (!connection) {
          ok = false;
        } else if (!IsConnectionName(*connection)) {
          // Never echo the value: a URL written here may hold a password.
          diags.Error(e.value,
                      "'connection' must be the name of a connection (sluice.yaml connections "
                      "or SLUICE_CONN_NAME), such as warehouse, not a URL");
          ok = false;
        }
      } else if (e.key.text == "query") {
        query = ReadSpecString(e, diags);
        if (!query) {
          ok = false;
        } else if (Trim(*query).empty()) {
          diags.Error(e.value,
                      "'query' is empty (give a query whose first value is the condition)");
          ok = false;
        } else {
          diags.Template(e.value);
        }
      } else {
        diags.Error(e.key, UnknownSensorKeyMessage(e.key.text, "sql", kKeys));
        ok = false;
      }
    }
    if (!seen_connection) {
      diags.Error(SpecNode{},
                  "a sql sensor needs 'connection' (a name from sluice.yaml "
                  "connections or SLUICE_CONN_NAME)");
      ok = false;
    }
    if (!seen_query) {
      diags.Error(SpecNode{}, "a sql sensor needs 'query' (its first value is the condition)");
      ok = false;
    }
    if (!ok) return std::nullopt;
    return Value::FromMap({{"connection", Value(*connection)}, {"query", Value(*query)}});
  }

  PokeResult Poke(const Value& config, const PokeContext& ctx) const override {
    PokeResult out;
    out.outcome = PokeResult::Outcome::kError;
    const Value* name_value = config.Find("connection");
    const Value* query_value = config.Find("query");
    if (name_value == nullptr || name_value->AsString() == nullptr || query_value == nullptr ||
        query_value->AsString() == nullptr) {
      out.detail = "a sql sensor's config must have 'connection' and 'query' strings";
      return out;
    }
    const std::string& name = *name_value->AsString();
    const std::map<std::string, std::string> none;
    const auto& connections = ctx.connections ? *ctx.connections : none;
    auto it = connections.find(name);
    if (it == connections.end()) {
      std::string upper = name;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      out.detail = "no connection named '" + name + "' (sluice.yaml connections or SLUICE_CONN_" +
                   upper + ")";
      return out;
    }
    const std::string& url = it->second;
    Result<FirstValue> value = Status::Invalid("");
    if (StartsWith(url, "sqlite://")) {
      std::string path = url.substr(std::string("sqlite://").size());
      if (!path.empty() && path[0] != '/') {
        path = (ctx.base_dir.empty() ? std::string(".") : ctx.base_dir) + "/" + path;
      }
      value = QuerySqlite(path, *query_value->AsString(), ctx.budget);
    } else if (StartsWith(url, "postgresql://") || StartsWith(url, "postgres://")) {
      value = QueryPostgres(url, *query_value->AsString(), ctx.budget);
    } else {
      value = Status::Invalid("its URL is not sqlite:// or postgresql:// (" + RedactUrl(url) + ")");
    }
    if (!value.ok()) {
      // A library's message may echo the URL or its password (libpq does for a malformed one).
      out.detail = name + ": " + ScrubUrl(value.status().message(), url);
      return out;
    }
    out.outcome = Holds(*value) ? PokeResult::Outcome::kMet : PokeResult::Outcome::kNotMet;
    out.detail = name + " returned " + ScrubUrl(Shown(*value), url);
    return out;
  }

  std::string Describe(const Value& config) const override {
    const Value* name = config.Find("connection");
    const Value* query = config.Find("query");
    return "sql on " + (name && name->AsString() ? *name->AsString() : std::string("?")) + ": " +
           (query && query->AsString() ? *query->AsString() : std::string());
  }
};

}  // namespace

std::unique_ptr<const SensorType> MakeSqlSensor() { return std::make_unique<SqlSensor>(); }

}  // namespace sluice
