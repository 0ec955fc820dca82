#include "control/config.h"

#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"

namespace sluice::control {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string home() const { return dir_.path() + "/home"; }
  TempDir dir_;
};

TEST_F(ConfigTest, FlagsBeatTheEnvironmentWhichBeatsTheFile) {
  dir_.Write("home/sluice.yaml", "dags: from_file\nparallelism: 3\n");
  auto config = LoadConfig({home(), ""}, {{"SLUICE_DAGS", dir_.path() + "/env_dags"}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->home, home());
  EXPECT_EQ(config->dags_folder, dir_.path() + "/env_dags");
  EXPECT_EQ(config->db_path, home() + "/sluice.db");
  EXPECT_EQ(config->logs_dir(), home() + "/logs");
  EXPECT_EQ(config->parallelism, 3);
  EXPECT_FALSE(config->durability_full);

  config = LoadConfig({home(), dir_.path() + "/flag_dags"},
                      {{"SLUICE_DAGS", dir_.path() + "/env_dags"}, {"SLUICE_PARALLELISM", "7"}});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->dags_folder, dir_.path() + "/flag_dags");
  EXPECT_EQ(config->parallelism, 7);

  // Without flag or environment, `dags:` in sluice.yaml counts from the home.
  config = LoadConfig({home(), ""}, {});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->dags_folder, home() + "/from_file");
}

TEST_F(ConfigTest, HomeAndDatabaseComeFromTheEnvironmentWithoutFlags) {
  auto config = LoadConfig({}, {{"SLUICE_HOME", home()}, {"SLUICE_DB", dir_.path() + "/other.db"}});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->home, home());
  EXPECT_EQ(config->db_path, dir_.path() + "/other.db");
  EXPECT_GE(config->parallelism, 1);
}

TEST_F(ConfigTest, AnUnknownKeyIsAnErrorAtItsPlaceWithASuggestion) {
  dir_.Write("home/sluice.yaml", "durability: full\nparalelism: 2\n");
  auto config = LoadConfig({home(), ""}, {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(), home() +
                                           "/sluice.yaml:2:1: error: unknown key 'paralelism' "
                                           "(did you mean 'parallelism'?)");
}

TEST_F(ConfigTest, BadValuesAreErrorsThatSayWhatIsExpected) {
  dir_.Write("home/sluice.yaml", "durability: sometimes\n");
  EXPECT_EQ(LoadConfig({home(), ""}, {}).status().message(),
            home() + "/sluice.yaml:1:1: error: 'durability' must be 'normal' or 'full'");
  dir_.Write("home/sluice.yaml", "- a list\n");
  EXPECT_EQ(LoadConfig({home(), ""}, {}).status().message(),
            home() + "/sluice.yaml:1:1: error: expected a mapping of settings");
  dir_.Write("home/sluice.yaml", "parallelism: 2\n");
  EXPECT_EQ(LoadConfig({home(), ""}, {{"SLUICE_PARALLELISM", "two"}}).status().message(),
            "SLUICE_PARALLELISM must be a positive integer, got 'two'");
  EXPECT_EQ(LoadConfig({home(), ""}, {{"SLUICE_DB", "postgresql://db/sluice"}}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ConfigTest, DurabilityFullIsRead) {
  dir_.Write("home/sluice.yaml", "durability: full\n");
  auto config = LoadConfig({home(), ""}, {});
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->durability_full);
}

TEST_F(ConfigTest, DagsPausedOnCreateIsReadAndChecked) {
  auto config = LoadConfig({home(), ""}, {});
  ASSERT_TRUE(config.ok());
  EXPECT_FALSE(config->dags_paused_on_create);
  dir_.Write("home/sluice.yaml", "dags_paused_on_create: true\n");
  config = LoadConfig({home(), ""}, {});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_TRUE(config->dags_paused_on_create);
  dir_.Write("home/sluice.yaml", "dags_paused_on_create: sometimes\n");
  EXPECT_EQ(LoadConfig({home(), ""}, {}).status().message(),
            home() + "/sluice.yaml:1:1: error: 'dags_paused_on_create' must be true or false");
  dir_.Write("home/sluice.yaml", "dags_pause_on_create: true\n");
  EXPECT_EQ(LoadConfig({home(), ""}, {}).status().message(),
            home() +
                "/sluice.yaml:1:1: error: unknown key 'dags_pause_on_create' (did you mean "
                "'dags_paused_on_create'?)");
}

TEST_F(ConfigTest, LogMaxBytesTakesDecimalAndBinaryUnitsAndDefaultsTo100MB) {
  auto config = LoadConfig({home(), ""}, {});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->log_max_bytes, 100000000);
  for (const auto& [text, bytes] :
       std::vector<std::pair<std::string, int64_t>>{{"0", 0},
                                                    {"4096", 4096},
                                                    {"2kB", 2000},
                                                    {"5MB", 5000000},
                                                    {"1 GiB", 1073741824},
                                                    {"3KiB", 3072},
                                                    {"2MiB", 2097152},
                                                    {"1GB", 1000000000}}) {
    dir_.Write("home/sluice.yaml", "log_max_bytes: " + text + "\n");
    config = LoadConfig({home(), ""}, {});
    ASSERT_TRUE(config.ok()) << text << ": " << config.status().message();
    EXPECT_EQ(config->log_max_bytes, bytes) << text;
  }
  for (const std::string bad : {"-1", "10 MBs", "lots", "1.5GB", "99999999999999999"}) {
    dir_.Write("home/sluice.yaml", "log_max_bytes: " + bad + "\n");
    EXPECT_EQ(LoadConfig({home(), ""}, {}).status().message(),
              home() +
                  "/sluice.yaml:1:1: error: 'log_max_bytes' must be a size such as 100MB, 1GiB "
                  "or 0 (no cap), got '" +
                  bad + "'");
  }
}

TEST_F(ConfigTest, LogRetentionIsADurationReadAsDagFilesReadThem) {
  auto config = LoadConfig({home(), ""}, {});
  ASSERT_TRUE(config.ok());
  EXPECT_FALSE(config->log_retention);  // unset: logs are kept for ever
  for (const auto& [text, hours] :
       std::vector<std::pair<std::string, int>>{{"30d", 720}, {"1d12h", 36}, {"7200", 2}}) {
    dir_.Write("home/sluice.yaml", "log_retention: " + text + "\n");
    config = LoadConfig({home(), ""}, {});
    ASSERT_TRUE(config.ok()) << config.status().message();
    EXPECT_EQ(config->log_retention, std::chrono::hours(hours)) << text;
  }
  const std::map<std::string, std::string> bad = {
      {"30x",
       "log_retention: invalid duration '30x' (use e.g. 45s, 5m, 2h, 1d, 1h30m or a number of "
       "seconds)"},
      {"0s", "log_retention: must be more than 0s (e.g. 30d)"},
      {"[30d]", "log_retention: expected a duration such as 30d"},
  };
  for (const auto& [text, message] : bad) {
    dir_.Write("home/sluice.yaml", "parallelism: 2\nlog_retention: " + text + "\n");
    EXPECT_EQ(LoadConfig({home(), ""}, {}).status().message(),
              home() + "/sluice.yaml:2:1: error: " + message);
  }
  dir_.Write("home/sluice.yaml", "log_retension: 30d\n");
  EXPECT_EQ(LoadConfig({home(), ""}, {}).status().message(),
            home() +
                "/sluice.yaml:1:1: error: unknown key 'log_retension' (did you mean "
                "'log_retention'?)");
}

TEST_F(ConfigTest, PoolsAreNamedSlotCountsCheckedAtTheirPlace) {
  auto config = LoadConfig({home(), ""}, {});
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(config->pools.empty());
  dir_.Write("home/sluice.yaml", "pools: {warehouse: 4, vendor_api: 2}\n");
  config = LoadConfig({home(), ""}, {});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->pools, (std::map<std::string, int>{{"warehouse", 4}, {"vendor_api", 2}}));
  const std::map<std::string, std::string> bad = {
      {"pools: [warehouse]",
       "1:1: error: 'pools' must be a mapping of pool names to slots, such as {warehouse: 4}"},
      {"pools:\n  warehouse: 0",
       "2:14: error: pool 'warehouse' must have a positive number of "
       "slots, got '0'"},
      {"pools:\n  warehouse: four",
       "2:14: error: pool 'warehouse' must have a positive number "
       "of slots, got 'four'"},
      {"pools:\n  warehouse: [4]",
       "2:14: error: pool 'warehouse' must have a positive number "
       "of slots, got 'not a number'"},
      {"pools:\n  ware house: 4",
       "2:3: error: pool name 'ware house' must be letters, digits, '_', '.' or '-' (at most "
       "200)"},
      {"pools:\n  default: 4",
       "2:3: error: the default pool has the scheduler's parallelism; set 'parallelism' instead "
       "of pools.default"},
      {"pool: {warehouse: 4}", "1:1: error: unknown key 'pool' (did you mean 'pools'?)"},
  };
  for (const auto& [text, message] : bad) {
    dir_.Write("home/sluice.yaml", text + "\n");
    EXPECT_EQ(LoadConfig({home(), ""}, {}).status().message(), home() + "/sluice.yaml:" + message)
        << text;
  }
}

// Issue 14: connections from sluice.yaml and SLUICE_CONN_<NAME>; the environment wins.
TEST_F(ConfigTest, ConnectionsComeFromTheFileAndTheEnvironmentWhichWins) {
  dir_.Write("home/sluice.yaml",
             "connections:\n"
             "  warehouse: postgresql://etl:file@127.0.0.1:5432/wh\n"
             "  local: sqlite:///data/local.db\n");
  auto config = LoadConfig({home(), ""}, {{"SLUICE_CONN_WAREHOUSE", "postgres://etl:env@h/wh"},
                                          {"SLUICE_CONN_MY_DB", "sqlite://rel/my.db"},
                                          {"SLUICE_CONN_EMPTY", ""}});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->connections,
            (std::map<std::string, std::string>{{"local", "sqlite:///data/local.db"},
                                                {"my_db", "sqlite://rel/my.db"},
                                                {"warehouse", "postgres://etl:env@h/wh"}}));
}

TEST_F(ConfigTest, AConnectionSluiceCannotUseIsAnErrorAtItsPlaceWithoutItsPassword) {
  dir_.Write("home/sluice.yaml",
             "parallelism: 2\n"
             "connections:\n"
             "  ok: sqlite:///x.db\n"
             "  warehouse: mysql://etl:hunter2@127.0.0.1/wh\n");
  auto config = LoadConfig({home(), ""}, {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            home() +
                "/sluice.yaml:4:14: error: connection 'warehouse' has a scheme Sluice cannot use "
                "('mysql') (use sqlite:///ABS/PATH, sqlite://REL/PATH or "
                "postgresql://USER@HOST:PORT/DB)");

  dir_.Write("home/sluice.yaml", "connections:\n  Ware-House: sqlite:///x.db\n");
  EXPECT_EQ(LoadConfig({home(), ""}, {}).status().message(),
            home() +
                "/sluice.yaml:2:3: error: connection name 'Ware-House' must be lower-case "
                "letters, digits and _ (e.g. warehouse)");
  dir_.Write("home/sluice.yaml", "connections:\n  w: host=h password=hunter2\n");
  EXPECT_EQ(LoadConfig({home(), ""}, {}).status().message(),
            home() +
                "/sluice.yaml:2:6: error: connection 'w' is not a URL (use "
                "sqlite:///ABS/PATH, sqlite://REL/PATH or postgresql://USER@HOST:PORT/DB)");
  dir_.Write("home/sluice.yaml", "connections: [a, b]\n");
  EXPECT_EQ(LoadConfig({home(), ""}, {}).status().message(),
            home() + "/sluice.yaml:1:1: error: 'connections' must be a mapping of names to URLs");
  dir_.Write("home/sluice.yaml", "conections: {}\n");
  EXPECT_EQ(LoadConfig({home(), ""}, {}).status().message(),
            home() +
                "/sluice.yaml:1:1: error: unknown key 'conections' (did you mean "
                "'connections'?)");

  dir_.Write("home/sluice.yaml", "");
  EXPECT_EQ(LoadConfig({home(), ""}, {{"SLUICE_CONN_W", "sqlite://"}}).status().message(),
            "SLUICE_CONN_W: connection 'w': sqlite:// needs a path (use sqlite:///ABS/PATH, "
            "sqlite://REL/PATH or postgresql://USER@HOST:PORT/DB)");
  EXPECT_EQ(LoadConfig({home(), ""}, {{"SLUICE_CONN_1X", "sqlite:///x"}}).status().message(),
            "SLUICE_CONN_1X: a connection name must be letters, digits and _, starting with a "
            "letter (e.g. SLUICE_CONN_WAREHOUSE)");
}

TEST_F(ConfigTest, TheProcessEnvironmentHasTheConnectionVariables) {
  ASSERT_EQ(setenv("SLUICE_CONN_CONFIG_TEST", "sqlite:///t.db", 1), 0);
  Environment env = ProcessEnvironment();
  unsetenv("SLUICE_CONN_CONFIG_TEST");
  EXPECT_EQ(env["SLUICE_CONN_CONFIG_TEST"], "sqlite:///t.db");
}

TEST_F(ConfigTest, NotifiersAreReadWithTheirTemplatesKept) {
  dir_.Write("home/sluice.yaml", R"(notifiers:
  ops:   {webhook: "https://hooks.example/T0/B0", headers: {Authorization: "Bearer {{ env.HOOK_TOKEN }}"}}
  mail:  {email: {to: [oncall@example.com], from: sluice@example.com, smtp: "smtp://127.0.0.1:2525", starttls: false}}
  pager: {command: [./bin/page], timeout: 30s}
)");
  auto config = LoadConfig({home(), ""}, {});
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->notifiers.size(), 3u);
  const notify::NotifierSpec& ops = config->notifiers.at("ops");
  EXPECT_EQ(ops.kind, notify::NotifierKind::kWebhook);
  EXPECT_EQ(ops.url, "https://hooks.example/T0/B0");
  EXPECT_EQ(ops.headers.at("Authorization"), "Bearer {{ env.HOOK_TOKEN }}");
  EXPECT_EQ(ops.timeout, std::chrono::seconds(10));
  const notify::NotifierSpec& mail = config->notifiers.at("mail");
  EXPECT_EQ(mail.kind, notify::NotifierKind::kEmail);
  EXPECT_EQ(mail.to, std::vector<std::string>{"oncall@example.com"});
  EXPECT_EQ(mail.from, "sluice@example.com");
  EXPECT_EQ(mail.smtp, "smtp://127.0.0.1:2525");
  EXPECT_FALSE(mail.starttls);
  const notify::NotifierSpec& pager = config->notifiers.at("pager");
  EXPECT_EQ(pager.kind, notify::NotifierKind::kCommand);
  EXPECT_EQ(pager.argv, std::vector<std::string>{"./bin/page"});
  EXPECT_EQ(pager.cwd, home());
  EXPECT_EQ(pager.timeout, std::chrono::seconds(30));
}

TEST_F(ConfigTest, ANotifiersCaFileIsTakenFromTheHomeFolder) {
  dir_.Write("home/certs/relay-ca.pem", "-----BEGIN CERTIFICATE-----\n");
  dir_.Write("home/sluice.yaml", R"(notifiers:
  mail: {email: {to: a@b, from: s@b, smtp: "smtp://relay:587", starttls: true}, ca_file: certs/relay-ca.pem}
)");
  auto config = LoadConfig({home(), ""}, {});
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->notifiers.at("mail").ca_file, home() + "/certs/relay-ca.pem");
}

TEST_F(ConfigTest, BadNotifiersAreErrorsAtTheirPlace) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"notifiers: [ops]\n", "1:12: error: 'notifiers' must be a mapping of names to notifiers"},
      {"notifiers:\n  ops: {webhok: x}\n",
       "2:9: error: notifier 'ops': unknown key 'webhok' (did you mean 'webhook'?)"},
      {"notifiers:\n  ops: {timeout: 5s}\n",
       "2:8: error: notifier 'ops': needs one of webhook, email or command"},
      {"notifiers:\n  ops: {webhook: ftp://x}\n",
       "2:18: error: notifier 'ops': 'webhook' must be an http:// or https:// URL"},
      {"notifiers:\n  ops: {webhook: 'http://x/{{ ds }}'}\n",
       "2:18: error: notifier 'ops': 'webhook': '{{ ds }}': only {{ env.NAME }} may appear here"},
      {"notifiers:\n  mail: {email: {from: a@b, smtp: 'smtp://h:25'}}\n",
       "2:17: error: notifier 'mail': 'email' needs 'to' (one address or a list)"},
      {"notifiers:\n  p: {command: []}\n",
       "2:16: error: notifier 'p': 'command' must be a non-empty list: [PROGRAM, ARG...]"},
      {"notifiers:\n  p: {command: [x], headers: {A: b}}\n",
       "2:30: error: notifier 'p': 'headers' is for a webhook"},
      {"notifiers:\n  'a b': {command: [x]}\n",
       "2:3: error: notifier name 'a b' must be letters, digits, '_', '.' or '-'"},
      {"notifiers:\n  p: {command: [x], ca_file: ca.pem}\n",
       "2:30: error: notifier 'p': 'ca_file' is for a webhook or an email notifier"},
      {"notifiers:\n  ops: {webhook: 'https://h/', ca_file: nope.pem}\n",
       "2:41: error: notifier 'ops': 'ca_file': " + home() + "/nope.pem is not a file"},
  };
  for (const auto& [yaml, error] : cases) {
    dir_.Write("home/sluice.yaml", yaml);
    auto config = LoadConfig({home(), ""}, {});
    ASSERT_FALSE(config.ok()) << yaml;
    EXPECT_EQ(config.status().message(), home() + "/sluice.yaml:" + error) << yaml;
  }
}

}  // namespace
}  // namespace sluice::control
