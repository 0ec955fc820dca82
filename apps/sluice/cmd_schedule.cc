// sluice schedule preview DAG|FILE [--from ISO] [--count N]
#include <iostream>

#include "commands.h"
#include "control/dag_lookup.h"
#include "time/time_format.h"
#include "time/timetable.h"

namespace sluice::cli {
namespace {

void Preview(Invocation& inv, const std::string& ref, const std::string& from, int count) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  auto dag = control::FindDag(session->ctx(), ref);
  if (!dag.ok()) return void(inv.exit_code = ReportError(dag.status()));
  if (!dag->schedule || !dag->start) {
    return void(inv.exit_code = ReportError(Status::Invalid(
                    "dag '" + dag->id + "' has no schedule: it runs only when triggered")));
  }
  auto zone = TimeZone::Find(dag->timezone);
  if (!zone.ok()) return void(inv.exit_code = ReportError(zone.status()));
  TimePoint start = SystemClock().Now();
  if (!from.empty()) {
    auto t = ParseTimePoint(from, *zone);
    if (!t.ok()) return void(inv.exit_code = ReportError(t.status().WithContext("--from")));
    start = *t;
  }
  auto tt = Timetable::Create(*dag->schedule, dag->timezone, *dag->start, dag->end);
  if (!tt.ok()) return void(inv.exit_code = ReportError(tt.status()));
  std::vector<RunWindow> windows;
  auto w = tt->FirstDueAtOrAfter(start);
  while (w && static_cast<int>(windows.size()) < count) {
    windows.push_back(*w);
    w = tt->After(w->logical_date);
  }
  if (inv.flags.output == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : windows) {
      rows.push_back({{"logical_date", FormatIsoUtc(r.logical_date)},
                      {"data_interval_start", FormatIsoUtc(r.data_interval_start)},
                      {"data_interval_end", FormatIsoUtc(r.data_interval_end)},
                      {"due", FormatIsoUtc(r.due)}});
    }
    return PrintJson(rows);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : windows) {
    rows.push_back({FormatIsoUtc(r.logical_date), FormatIsoUtc(r.data_interval_start),
                    FormatIsoUtc(r.data_interval_end), FormatIsoUtc(r.due)});
  }
  PrintTable({"LOGICAL_DATE", "INTERVAL_START", "INTERVAL_END", "DUE"}, rows);
}

}  // namespace

void AddScheduleCommands(CLI::App& app, Invocation& inv) {
  auto* schedule = app.add_subcommand("schedule", "When DAGs run");
  schedule->require_subcommand(1);
  static std::string ref, from;
  static int count = 10;
  auto* preview =
      schedule->add_subcommand("preview", "The next runs of a DAG and when each is due");
  preview->add_option("dag", ref, "DAG id or file")->required();
  preview->add_option("--from", from, "list runs due at or after this (default: now)");
  preview->add_option("--count", count, "how many (default 10)")->check(CLI::Range(1, 100000));
  AddOutputFlag(preview, inv);
  preview->callback([&inv] { Preview(inv, ref, from, count); });
}

}  // namespace sluice::cli
