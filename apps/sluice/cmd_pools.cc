// sluice pools list
#include <algorithm>

#include "commands.h"
#include "control/pool_list.h"

namespace sluice::cli {
namespace {

void ListPools(Invocation& inv) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  auto pools = control::ListPools(session->ctx());
  if (!pools.ok()) return void(inv.exit_code = ReportError(pools.status()));
  if (inv.flags.output == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& p : *pools) {
      rows.push_back(
          {{"pool", p.pool}, {"slots", p.slots}, {"used", p.used}, {"queued", p.queued}});
    }
    return PrintJson(rows);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : *pools) {
    // A pool may be over-full for a while when sluice.yaml shrank it under running attempts.
    const int open = std::max(0, p.slots - p.used);
    rows.push_back({p.pool, std::to_string(p.slots), std::to_string(p.used), std::to_string(open),
                    std::to_string(p.queued)});
  }
  PrintTable({"POOL", "SLOTS", "USED", "FREE", "QUEUED"}, rows);
}

}  // namespace

void AddPoolsCommands(CLI::App& app, Invocation& inv) {
  auto* pools = app.add_subcommand("pools", "Pools: scarce slots shared by every DAG");
  pools->require_subcommand(1);
  auto* list = pools->add_subcommand("list", "Each pool's slots, in use, free and queued");
  AddOutputFlag(list, inv);
  list->callback([&inv] { ListPools(inv); });
}

}  // namespace sluice::cli
