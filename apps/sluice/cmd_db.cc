// sluice db migrate | check
#include <iostream>

#include "commands.h"
#include "control/store_open.h"
#include "store/migrations.h"

namespace sluice::cli {
namespace {

nlohmann::json FindingJson(const StoreFinding& f) {
  return {{"message", f.problem}, {"fix", f.fix}};
}

// A database too damaged to open is a finding of `db check`, not a failure to run it. Its
// message is "PROBLEM: FIX" (sqlite_db.cc): the fix starts after the first "): ".
StoreFinding FindingFromError(const Status& st) {
  const std::string& m = st.message();
  const size_t cut = m.find("): ");
  if (cut == std::string::npos) return {st.code(), m, ""};
  return {st.code(), m.substr(0, cut + 1), m.substr(cut + 3)};
}

void Migrate(Invocation& inv) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  auto store = control::OpenStoreAsIs(*config);
  if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
  auto before = (*store)->SchemaVersion();
  if (!before.ok()) return void(inv.exit_code = ReportError(before.status()));
  Status st = (*store)->Migrate();
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  const int after = (*store)->LatestSchemaVersion();
  if (inv.flags.output == "json") {
    nlohmann::json applied = nlohmann::json::array();
    for (const Migration& m : SqliteMigrations()) {
      if (m.version > *before && m.version <= after) applied.push_back(m.name);
    }
    PrintJson({{"path", config->db_path},
               {"from_version", *before},
               {"to_version", after},
               {"applied", applied}});
    return;
  }
  std::cout << "database " << config->db_path << " migrated from schema version " << *before
            << " to " << after << std::endl;
}

void Check(Invocation& inv) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  StoreReport report;
  report.latest_version = SqliteMigrations().back().version;
  auto store = control::OpenStoreAsIs(*config);
  bool opened = store.ok();
  if (opened) {
    auto inspected = (*store)->Inspect();
    if (inspected.ok()) {
      report = std::move(inspected).value();
    } else if (inspected.status().code() == StatusCode::kCorrupt) {
      opened = false;
      store = inspected.status();
    } else {
      return void(inv.exit_code = ReportError(inspected.status()));
    }
  }
  if (!opened) {
    if (store.status().code() != StatusCode::kCorrupt) {
      return void(inv.exit_code = ReportError(store.status()));
    }
    report.intact = false;
    report.findings.push_back(FindingFromError(store.status()));
  }
  inv.exit_code = report.findings.empty() ? kExitOk : kExitFailed;
  if (inv.flags.output == "json") {
    nlohmann::json problems = nlohmann::json::array();
    for (const StoreFinding& f : report.findings) problems.push_back(FindingJson(f));
    PrintJson({{"path", config->db_path},
               {"schema_version", opened ? nlohmann::json(report.schema_version) : nullptr},
               {"latest_version", report.latest_version},
               {"integrity", report.intact ? "ok" : "corrupt"},
               {"problems", problems}});
    return;
  }
  for (const StoreFinding& f : report.findings) {
    std::fprintf(stderr, "error: %s: %s\n", f.problem.c_str(), f.fix.c_str());
  }
  if (report.findings.empty()) {
    std::cout << "database " << config->db_path << " is at schema version " << report.schema_version
              << " and passes its integrity check" << std::endl;
  }
}

}  // namespace

void AddDbCommands(CLI::App& app, Invocation& inv) {
  auto* db = app.add_subcommand("db", "Database schema");
  db->require_subcommand(1);
  auto* migrate =
      db->add_subcommand("migrate", "Apply pending schema migrations (never drops history)");
  AddOutputFlag(migrate, inv);
  migrate->callback([&inv] { Migrate(inv); });
  auto* check =
      db->add_subcommand("check", "Check the schema version and the database's integrity");
  AddOutputFlag(check, inv);
  check->callback([&inv] { Check(inv); });
}

}  // namespace sluice::cli
