#pragma once
// sluice import-crontab: crontab lines turned into DAG files for a person to review.
//
// Each job line becomes one DAG with one task, scheduled like cron ran it: `mode: trigger` (a
// run's logical date is the minute cron would have started the job), `catchup: false` and a
// `start` of the import time, so nothing runs for the past. The original line is kept as a
// comment. A line that cannot be carried over faithfully (`@reboot`, an unescaped `%`, which
// cron turns into stdin, text Sluice would read as a template) is reported, not guessed at.

#include <string>
#include <string_view>
#include <vector>

#include "sluice/clock.h"
#include "sluice/status.h"

namespace sluice::control {

struct CrontabImportOptions {
  std::string source_name;  // the crontab's path, for the comments and messages
  std::string timezone;     // the zone cron ran the jobs in (CRON_TZ= in the file overrides it)
  TimePoint now;            // the import time: each DAG's `start`
};

struct ImportedDag {
  int line = 0;        // 1-based line of the job in the crontab
  std::string dag_id;  // from the command's program name, unique within the import
  std::string yaml;    // the DAG file's text
};

struct CrontabProblem {
  int line = 0;
  std::string message;  // "SOURCE:LINE: @reboot has no equivalent ..."
};

struct CrontabImport {
  std::vector<ImportedDag> dags;
  std::vector<CrontabProblem> problems;  // lines that were not imported, and why
};

CrontabImport ImportCrontab(std::string_view text, const CrontabImportOptions& options);

}  // namespace sluice::control
