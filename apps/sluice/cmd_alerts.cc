// sluice alerts list: the alert deliveries (issue 14), newest first, with their attempts.
#include "commands.h"

namespace sluice::cli {
namespace {

struct AlertQuery {
  std::string dag;
  std::string state;
  int limit = 0;
};

nlohmann::json OrNull(const std::string& s) {
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

void ListAlerts(Invocation& inv, const AlertQuery& query) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  DeliveryFilter filter;
  if (!query.dag.empty()) filter.dag_id = query.dag;
  if (!query.state.empty()) filter.state = ParseDeliveryState(query.state);
  if (query.limit > 0) filter.limit = query.limit;
  auto deliveries = session->store->ListDeliveries(filter);
  if (!deliveries.ok()) return void(inv.exit_code = ReportError(deliveries.status()));
  if (inv.flags.output == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& d : *deliveries) {
      auto attempts = session->store->ListDeliveryAttempts(d.id);
      if (!attempts.ok()) return void(inv.exit_code = ReportError(attempts.status()));
      nlohmann::json history = nlohmann::json::array();
      for (const auto& a : *attempts) {
        history.push_back(
            {{"number", a.number},
             {"time", JsonTime(a.time)},
             {"ok", a.ok},
             {"http_status", a.http_status ? nlohmann::json(*a.http_status) : nlohmann::json()},
             {"error", OrNull(a.error)}});
      }
      rows.push_back({{"id", d.id},
                      {"event", d.event},
                      {"notifier", d.notifier},
                      {"dag", d.dag_id},
                      {"run", d.run_id},
                      {"task", OrNull(d.task_id)},
                      {"state", DeliveryStateName(d.state)},
                      {"attempts", d.attempts},
                      {"last_attempt", JsonTime(d.last_attempt)},
                      {"last_error", OrNull(d.last_error)},
                      {"next_attempt", JsonTime(d.next_attempt)},
                      {"created", JsonTime(d.created)},
                      {"detail", OrNull(d.detail)},
                      {"history", history}});
    }
    return PrintJson(rows);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : *deliveries) {
    rows.push_back({std::to_string(d.id), d.event, d.notifier, d.dag_id, d.run_id, d.task_id,
                    DeliveryStateName(d.state), std::to_string(d.attempts),
                    TableTime(d.last_attempt), d.last_error});
  }
  PrintTable({"ID", "EVENT", "NOTIFIER", "DAG", "RUN", "TASK", "STATE", "ATTEMPTS", "LAST_ATTEMPT",
              "LAST_ERROR"},
             rows);
}

}  // namespace

void AddAlertsCommands(CLI::App& app, Invocation& inv) {
  auto* alerts = app.add_subcommand("alerts", "Alert deliveries to the notifiers of sluice.yaml");
  alerts->require_subcommand(1);
  static AlertQuery query;
  auto* list =
      alerts->add_subcommand("list", "Alert deliveries, newest first, with their attempts");
  list->add_option("--dag", query.dag, "only this DAG's");
  list->add_option("--state", query.state, "pending, delivered or failed")
      ->check(CLI::IsMember({"pending", "delivered", "failed"}));
  list->add_option("--limit", query.limit, "at most N (the newest)")->check(CLI::PositiveNumber);
  AddOutputFlag(list, inv);
  list->callback([&inv] { ListAlerts(inv, query); });
}

}  // namespace sluice::cli
