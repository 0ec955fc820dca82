// The sql sensor: its keys as a DAG file's reader reports them, and pokes against real SQLite
// files and a real PostgreSQL server started here (initdb + pg_ctl on a free port, as `nobody`
// when the tests run as root, which PostgreSQL refuses).

#include "operators/sensors/sql_sensor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "operators/sensors/sensor_test_util.h"
#include "tests/testing/temp_dir.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_sensors::ValidateTask;
using Outcome = PokeResult::Outcome;

Value Config(const std::string& connection, const std::string& query) {
  return Value::FromMap({{"connection", Value(connection)}, {"query", Value(query)}});
}

TEST(SqlSensorValidateTest, ReadsConnectionAndATemplatedQuery) {
  auto sensor = MakeSqlSensor();
  auto v = ValidateTask(*sensor,
                        "{sensor: sql, connection: warehouse, "
                        "query: \"select count(*) > 0 from loads where d = '{{ ds }}'\"}");
  EXPECT_THAT(v.errors, ElementsAre());
  ASSERT_TRUE(v.config);
  EXPECT_EQ(*v.config, Config("warehouse", "select count(*) > 0 from loads where d = '{{ ds }}'"));
  EXPECT_THAT(v.templates, ElementsAre("select count(*) > 0 from loads where d = '{{ ds }}'"));
  EXPECT_EQ(sensor->Describe(*v.config),
            "sql on warehouse: select count(*) > 0 from loads where d = '{{ ds }}'");
}

TEST(SqlSensorValidateTest, EveryErrorAtItsPlace) {
  auto sensor = MakeSqlSensor();
  auto v = ValidateTask(*sensor,
                        "sensor: sql\n"
                        "connection: postgresql://etl:hunter2@127.0.0.1/wh\n"
                        "qurey: select 1\n");
  EXPECT_FALSE(v.config);
  EXPECT_THAT(v.errors,
              ElementsAre("2:13: 'connection' must be the name of a connection (sluice.yaml "
                          "connections or SLUICE_CONN_NAME), such as warehouse, not a URL",
                          "3:1: unknown key 'qurey' (did you mean 'query'?)",
                          "1:1: a sql sensor needs 'query' (its first value is the condition)"));
  for (const std::string& e : v.errors) EXPECT_THAT(e, Not(HasSubstr("hunter2")));

  v = ValidateTask(*sensor, "{sensor: sql}");
  EXPECT_THAT(v.errors, ElementsAre("1:2: a sql sensor needs 'connection' (a name from "
                                    "sluice.yaml connections or SLUICE_CONN_NAME)",
                                    "1:2: a sql sensor needs 'query' (its first value is the "
                                    "condition)"));

  v = ValidateTask(*sensor, "sensor: sql\nconnection: [a]\nquery: '  '\ntimeout_x: 1\n");
  EXPECT_THAT(v.errors, ElementsAre("2:13: 'connection' must be a string",
                                    "3:8: 'query' is empty (give a query whose first value is the "
                                    "condition)",
                                    "4:1: unknown key 'timeout_x' (did you mean 'timeout'?)"));
}

// SQLite files, relative to the task's folder or absolute.
class SqliteSensorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Exec(dir_.path() + "/local.db",
         "create table loads (d text); insert into loads values ('2025-01-01');");
    connections_ = {{"local", "sqlite://local.db"},
                    {"abs", "sqlite://" + dir_.path() + "/local.db"},
                    {"missing", "sqlite://" + dir_.path() + "/missing.db"}};
  }
  static void Exec(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  PokeResult Poke(const std::string& connection, const std::string& query,
                  Duration budget = std::chrono::seconds(10)) {
    PokeContext ctx;
    ctx.connections = &connections_;
    ctx.base_dir = dir_.path();
    ctx.budget = budget;
    return sensor_->Poke(Config(connection, query), ctx);
  }

  TempDir dir_;
  std::map<std::string, std::string> connections_;
  std::unique_ptr<const SensorType> sensor_ = MakeSqlSensor();
};

TEST_F(SqliteSensorTest, MetWhenTheFirstValueIsTrue) {
  const std::string q = "select count(*) > 0 from loads where d = '2025-01-02'";
  PokeResult r = Poke("local", q);
  EXPECT_EQ(r.outcome, Outcome::kNotMet);
  EXPECT_EQ(r.detail, "local returned 0");
  Exec(dir_.path() + "/local.db", "insert into loads values ('2025-01-02')");
  r = Poke("local", q);
  EXPECT_EQ(r.outcome, Outcome::kMet);
  EXPECT_EQ(r.detail, "local returned 1");
  r = Poke("abs", "select d from loads order by d desc");
  EXPECT_EQ(r.outcome, Outcome::kMet);
  EXPECT_EQ(r.detail, "abs returned 2025-01-02");
}

TEST_F(SqliteSensorTest, WhatCountsAsTrue) {
  const std::vector<std::tuple<std::string, Outcome, std::string>> cases = {
      {"select 2.5", Outcome::kMet, "local returned 2.5"},
      {"select 0.0", Outcome::kNotMet, "local returned 0.0"},
      {"select 'yes'", Outcome::kMet, "local returned yes"},
      {"select 'f'", Outcome::kNotMet, "local returned f"},
      {"select 'FALSE'", Outcome::kNotMet, "local returned FALSE"},
      {"select '0'", Outcome::kNotMet, "local returned 0"},
      {"select ''", Outcome::kNotMet, "local returned ''"},
      {"select null", Outcome::kNotMet, "local returned NULL"},
      {"select 1 where 0", Outcome::kNotMet, "local returned no rows"},
  };
  for (const auto& [query, outcome, detail] : cases) {
    PokeResult r = Poke("local", query);
    EXPECT_EQ(r.outcome, outcome) << query;
    EXPECT_EQ(r.detail, detail) << query;
  }
}

TEST_F(SqliteSensorTest, ErrorsAreOneLineAndPokedAgain) {
  PokeResult r = Poke("nope", "select 1");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.detail, "no connection named 'nope' (sluice.yaml connections or SLUICE_CONN_NOPE)");
  r = Poke("missing", "select 1");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.detail, "missing: cannot open " + dir_.path() +
                          "/missing.db read-only: unable to open database file");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/missing.db"));
  r = Poke("local", "selec 1");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.detail, "local: near \"selec\": syntax error");
  r = Poke("local", "insert into loads values ('x') returning 1");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.detail, "local: attempt to write a readonly database");
}

TEST_F(SqliteSensorTest, TheBudgetBoundsLocksAndQueries) {
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/local.db").c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer, "begin exclusive", nullptr, nullptr, nullptr), SQLITE_OK);
  PokeResult r = Poke("local", "select 1 from loads", std::chrono::milliseconds(100));
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.detail, "local: database is locked");
  sqlite3_exec(writer, "rollback", nullptr, nullptr, nullptr);
  sqlite3_close(writer);

  r = Poke("local",
           "with recursive c(x) as (select 1 union all select x + 1 from c) "
           "select count(*) from c",
           std::chrono::milliseconds(200));
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.detail, "local: the query ran past the poke's budget of 200ms");
}

// A PostgreSQL server of our own for the suite: initdb and pg_ctl from Debian's package.
class PostgresSensorTest : public ::testing::Test {
 protected:
  static constexpr const char* kPassword = "p@ss:w0rd/x";
  static constexpr const char* kPasswordInUrl = "p%40ss%3Aw0rd%2Fx";

  static std::string Bin() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      if (std::filesystem::exists(entry.path() / "bin/pg_ctl")) return entry.path() / "bin";
    }
    return "";
  }
  // `argv` as the server's owner: `nobody` when we are root.
  static int AsOwner(std::vector<std::string> argv) {
    if (testing_sensors::IsRoot()) {
      argv.insert(argv.begin(),
                  {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"});
    }
    return testing_sensors::RunCommand(argv, dir_ + "/setup.log");
  }

  static void SetUpTestSuite() {
    bin_ = Bin();
    ASSERT_FALSE(bin_.empty()) << "PostgreSQL is not installed (./dev installs it)";
    char tmpl[] = "/tmp/sluice-pg-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ + "/pw") << kPassword << "\n";
    if (testing_sensors::IsRoot()) {
      ASSERT_EQ(testing_sensors::RunCommand({"chown", "-R", "nobody:nogroup", dir_}), 0);
    }
    ASSERT_EQ(
        AsOwner({bin_ + "/initdb", "-D", dir_ + "/data", "-U", "etl", "--pwfile=" + dir_ + "/pw",
                 "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"}),
        0)
        << Log();
    port_ = testing_sensors::FreePort();
    ASSERT_EQ(AsOwner({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w",
                       "-t", "60", "-o",
                       "-p " + std::to_string(port_) + " -k " + dir_ +
                           " -c listen_addresses=127.0.0.1 -c fsync=off",
                       "start"}),
              0)
        << Log();
    started_ = true;
    Exec("create database wh");
    Exec("create table loads (d date)", "wh");
  }
  static void TearDownTestSuite() {
    if (started_) {
      AsOwner({bin_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"});
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  static std::string Log() {
    std::ifstream in(dir_ + "/setup.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static std::string Url(const std::string& password = kPasswordInUrl, int port = 0) {
    return "postgresql://etl:" + password + "@127.0.0.1:" + std::to_string(port ? port : port_) +
           "/wh";
  }
  static void Exec(const std::string& sql, const std::string& db = "postgres") {
    const std::string url = "postgresql://etl:" + std::string(kPasswordInUrl) +
                            "@127.0.0.1:" + std::to_string(port_) + "/" + db;
    PGconn* conn = PQconnectdb(url.c_str());
    ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    PGresult* res = PQexec(conn, sql.c_str());
    EXPECT_EQ(PQresultStatus(res), PGRES_COMMAND_OK) << PQresultErrorMessage(res);
    PQclear(res);
    PQfinish(conn);
  }
  PokeResult Poke(const std::string& query, const std::string& url = Url(),
                  Duration budget = std::chrono::seconds(10)) {
    const std::map<std::string, std::string> connections = {{"warehouse", url}};
    PokeContext ctx;
    ctx.connections = &connections;
    ctx.budget = budget;
    PokeResult r = sensor_->Poke(Config("warehouse", query), ctx);
    for (const char* secret : {kPassword, kPasswordInUrl, "hunter2"}) {
      EXPECT_THAT(r.detail, Not(HasSubstr(secret)));
    }
    return r;
  }

  static inline std::string bin_, dir_;
  static inline int port_ = 0;
  static inline bool started_ = false;
  std::unique_ptr<const SensorType> sensor_ = MakeSqlSensor();
};

TEST_F(PostgresSensorTest, MetWhenTheFirstValueIsTrue) {
  const std::string q = "select count(*) > 0 from loads where d = '2025-01-02'";
  PokeResult r = Poke(q);
  EXPECT_EQ(r.outcome, Outcome::kNotMet);
  EXPECT_EQ(r.detail, "warehouse returned f");
  Exec("insert into loads values ('2025-01-02')", "wh");
  r = Poke(q);
  EXPECT_EQ(r.outcome, Outcome::kMet);
  EXPECT_EQ(r.detail, "warehouse returned t");

  r = Poke("select 0.00::numeric");
  EXPECT_EQ(r.outcome, Outcome::kNotMet);
  EXPECT_EQ(r.detail, "warehouse returned 0.00");
  r = Poke("select count(*) from loads");
  EXPECT_EQ(r.outcome, Outcome::kMet);
  EXPECT_EQ(r.detail, "warehouse returned 1");
  r = Poke("select d from loads where d < '2000-01-01'");
  EXPECT_EQ(r.outcome, Outcome::kNotMet);
  EXPECT_EQ(r.detail, "warehouse returned no rows");
}

TEST_F(PostgresSensorTest, QueriesAreReadOnlyAndBoundedByTheBudget) {
  PokeResult r = Poke("insert into loads values ('2025-02-01') returning 1");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.detail, "warehouse: cannot execute INSERT in a read-only transaction");
  r = Poke("select * from nope");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.detail, "warehouse: relation \"nope\" does not exist");
  r = Poke("select pg_sleep(10)", Url(), std::chrono::milliseconds(300));
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.detail, "warehouse: canceling statement due to statement timeout");
}

TEST_F(PostgresSensorTest, ConnectionErrorsNeverShowThePassword) {
  PokeResult r = Poke("select true", Url("hunter2"));
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.detail, "warehouse: connection to server at \"127.0.0.1\", port " +
                          std::to_string(port_) +
                          " failed: FATAL: password authentication failed for user \"etl\"");
  const int down = testing_sensors::FreePort();
  r = Poke("select true", Url(kPasswordInUrl, down));
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(r.detail, "warehouse: connection to server at \"127.0.0.1\", port " +
                          std::to_string(down) + " failed: Connection refused");
  // libpq echoes a malformed part of a URL: here the password.
  r = Poke("select true", "postgresql://etl:hunter2%zz@127.0.0.1:" + std::to_string(port_) + "/wh");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_THAT(r.detail, Not(HasSubstr("%zz")));
  EXPECT_THAT(r.detail, HasSubstr("warehouse: "));
}

}  // namespace
}  // namespace sluice
