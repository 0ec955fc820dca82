#include "control/crontab_import.h"

#include <gtest/gtest.h>

#include "core/dag_loader.h"
#include "time/time_format.h"
#include "time/time_zone.h"

namespace sluice::control {
namespace {

CrontabImport Import(const std::string& text) {
  CrontabImportOptions options;
  options.source_name = "crontab";
  options.timezone = "Europe/London";
  options.now = *ParseTimePoint("2026-12-05T14:03:00Z", *TimeZone::Find("UTC"));
  return ImportCrontab(text, options);
}

// Every DAG the import writes must load without an error.
void ExpectValid(const ImportedDag& dag) {
  const LoadedFile file = LoadDagText(dag.dag_id + ".yaml", dag.yaml);
  ASSERT_TRUE(file.ok()) << dag.yaml << "\n" << file.errors.front().ToString();
  ASSERT_EQ(file.dags.size(), 1u);
  EXPECT_EQ(file.dags[0].id, dag.dag_id);
}

TEST(CrontabImportTest, AJobBecomesADagThatRunsWhenCronWouldHaveRunIt) {
  const CrontabImport got = Import("# prices\n30 18 * * 1-5 /opt/jobs/load_prices.sh --full\n");
  ASSERT_TRUE(got.problems.empty());
  ASSERT_EQ(got.dags.size(), 1u);
  EXPECT_EQ(got.dags[0].line, 2);
  EXPECT_EQ(got.dags[0].dag_id, "load_prices");
  EXPECT_EQ(got.dags[0].yaml,
            "# Imported by `sluice import-crontab` from crontab:2. Review it, then unpause it.\n"
            "# cron ran:   30 18 * * 1-5 /opt/jobs/load_prices.sh --full\n"
            "dag: load_prices\n"
            "description: from crontab line 2\n"
            "schedule: {cron: \"30 18 * * 1-5\", mode: trigger}\n"
            "timezone: Europe/London\n"
            "start: 2026-12-05T14:03:00Z\n"
            "catchup: false\n"
            "tasks:\n"
            "  load_prices:\n"
            "    run: /opt/jobs/load_prices.sh --full\n");
  ExpectValid(got.dags[0]);
  const LoadedFile file = LoadDagText("x.yaml", got.dags[0].yaml);
  EXPECT_EQ(file.dags[0].timezone, "Europe/London");
  EXPECT_FALSE(file.dags[0].catchup);
}

TEST(CrontabImportTest, EnvironmentLinesApplyToTheJobsAfterThem) {
  const CrontabImport got = Import(
      "0 1 * * * first.sh\n"
      "PATH=/usr/local/bin:/usr/bin:/bin\n"
      "SHELL=/bin/bash\n"
      "MAILTO=\"ops@example.com\"\n"
      "CRON_TZ=America/New_York\n"
      "0 2 * * * second.sh > /tmp/out 2>&1\n");
  ASSERT_TRUE(got.problems.empty());
  ASSERT_EQ(got.dags.size(), 2u);
  for (const auto& d : got.dags) ExpectValid(d);
  EXPECT_EQ(got.dags[0].yaml.find("env:"), std::string::npos) << got.dags[0].yaml;
  const LoadedFile second = LoadDagText("s.yaml", got.dags[1].yaml);
  const DagSpec& dag = second.dags[0];
  EXPECT_EQ(dag.timezone, "America/New_York");
  ASSERT_EQ(dag.tasks.size(), 1u);
  EXPECT_EQ(dag.tasks[0].kind, "exec");
  EXPECT_NE(got.dags[1].yaml.find("exec: [/bin/bash, -c, second.sh > /tmp/out 2>&1]"),
            std::string::npos)
      << got.dags[1].yaml;
  EXPECT_NE(got.dags[1].yaml.find("    env:\n      PATH: /usr/local/bin:/usr/bin:/bin\n"),
            std::string::npos)
      << got.dags[1].yaml;
  EXPECT_NE(got.dags[1].yaml.find("# cron mailed the job's output to ops@example.com"),
            std::string::npos)
      << got.dags[1].yaml;
}

TEST(CrontabImportTest, PresetsAndNamesAndIdsFromTheProgram) {
  const CrontabImport got = Import(
      "@daily cd /srv/app && ./bin/rollup.py --day\n"
      "@hourly nice -n 10 flock -n /tmp/l /usr/local/bin/sync-ftp\n"
      "*/15 9-17 * jan-mar mon-fri rollup.py --hour\n"
      "@midnight 42\n");
  ASSERT_TRUE(got.problems.empty()) << got.problems.front().message;
  ASSERT_EQ(got.dags.size(), 4u);
  EXPECT_EQ(got.dags[0].dag_id, "rollup");
  EXPECT_NE(got.dags[0].yaml.find("{cron: \"0 0 * * *\", mode: trigger}"), std::string::npos);
  EXPECT_EQ(got.dags[1].dag_id, "sync-ftp");
  EXPECT_NE(got.dags[1].yaml.find("{cron: \"0 * * * *\", mode: trigger}"), std::string::npos);
  EXPECT_EQ(got.dags[2].dag_id, "rollup_2");
  EXPECT_NE(got.dags[2].yaml.find("{cron: \"*/15 9-17 * jan-mar mon-fri\", mode: trigger}"),
            std::string::npos);
  EXPECT_EQ(got.dags[3].dag_id, "cron_job");
  for (const auto& d : got.dags) ExpectValid(d);
}

TEST(CrontabImportTest, LinesThatCannotBeCarriedOverFaithfullyAreReportedNotGuessed) {
  const CrontabImport got = Import(
      "@reboot /opt/start.sh\n"
      "0 6 * * * mail -s report ops%body text\n"
      "0 6 * * * date +\\%Y-\\%m-\\%d > /tmp/today\n"
      "61 6 * * * late.sh\n"
      "0 7 * * * echo {{ ds }}\n"
      "0 8 * * *\n"
      "@fortnightly x.sh\n");
  ASSERT_EQ(got.dags.size(), 1u);
  EXPECT_EQ(got.dags[0].line, 3);
  EXPECT_NE(got.dags[0].yaml.find("run: date +%Y-%m-%d > /tmp/today"), std::string::npos)
      << got.dags[0].yaml;
  ASSERT_EQ(got.problems.size(), 6u);
  EXPECT_EQ(got.problems[0].message,
            "crontab:1: @reboot has no equivalent: run it from the machine's boot instead; not "
            "imported");
  EXPECT_EQ(got.problems[1].message,
            "crontab:2: the command has a '%', which cron turns into a newline and feeds what "
            "follows to the job's stdin: write that as a shell here-document or a script; not "
            "imported");
  EXPECT_EQ(got.problems[2].line, 4);
  EXPECT_EQ(got.problems[2].message.rfind("crontab:4: invalid schedule '61 6 * * *': ", 0), 0u)
      << got.problems[2].message;
  EXPECT_EQ(got.problems[3].message,
            "crontab:5: the command has '{{', which Sluice reads as a template: move it to a "
            "script; not imported");
  EXPECT_EQ(got.problems[4].message, "crontab:6: no command after the schedule; not imported");
  EXPECT_EQ(got.problems[5].message, "crontab:7: unknown schedule '@fortnightly'; not imported");
}

}  // namespace
}  // namespace sluice::control
