#pragma once
// A schedule expression in plain English for the DAG list (issue 15): "every 15 minutes",
// "every day at 02:00", "at 18:30, Monday through Friday", "at 09:00 on day 1 of every month".
// Times are wall times in the DAG's zone, so the words name no zone. What has no short phrase
// (several minute and hour lists, say) is said in a longer generic form that is still exact.

#include <string>
#include <string_view>

#include "sluice/status.h"
#include "time/cron.h"

namespace sluice {

// The words for a cron expression, a preset (`@daily`, ... `@once`) or `every N`. Errors are
// FireTimes::Create's, e.g. "invalid cron expression '61 * * * *': minute 61 is out of range
// 0-59".
Result<std::string> ScheduleInWords(std::string_view expr);

// The words for a parsed cron expression.
std::string CronInWords(const CronExpression& cron);

}  // namespace sluice
