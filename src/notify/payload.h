#pragma once
// What an alert says: the JSON a webhook receives and a command reads on stdin, the one-line
// `text` (Slack's field; the mail's subject), and the mail's plain-text body.
//
// JSON: {"event", "dag", "run", "task" (null for a run's event), "map_index" (null unless
// mapped), "state", "try" and "max_tries" (null for a run's event), "logical_date" (ISO-8601
// UTC or null), "log" (the attempt's last 20 lines), "text", "url" (the UI's link: null until
// there is a UI), "notifier", "delivery" (the delivery's id: a receiver can drop a repeat),
// "detail" (sla_miss: the due time and the SLA; long_running: how long it has run and its
// threshold; null for other events)}.

#include <string>
#include <vector>

#include "sluice/store.h"

namespace sluice::notify {

inline constexpr int kLogLines = 20;

// "✗ nightly/scheduled__2026-01-02T00:00:00Z task fetch failed (try 2 of 3)", and likewise
// for a retry (↻), a success (✓), a run's end, an SLA miss and a long-running attempt.
std::string AlertText(const DeliveryRecord& d);

// The alert's JSON, as one line. `log`: the attempt's last lines, oldest first.
std::string AlertJson(const DeliveryRecord& d, const std::vector<std::string>& log);

// The body of an alert mail: the text, the details one per line, then the log lines.
std::string AlertMailBody(const DeliveryRecord& d, const std::vector<std::string>& log);

// The last `n` lines of the file at `path` (without their newlines), reading at most its last
// 64 KiB; none when it is empty, absent or unreadable (an alert is sent without its log rather
// than not at all). Lines of an attempt log ("TIMESTAMP out| text") keep only the text of the
// task's output (out and err); the supervisor's own notes (sluice|) are left out.
std::vector<std::string> LastLines(const std::string& path, int n);

}  // namespace sluice::notify
