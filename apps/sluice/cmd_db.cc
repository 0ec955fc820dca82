// sluice db migrate | check
#include <iostream>

#include "commands.h"
#include "control/store_open.h"

namespace sluice::cli {

void AddDbCommands(CLI::App& app, Invocation& inv) {
  auto* db = app.add_subcommand("db", "Database schema");
  db->require_subcommand(1);
  db->add_subcommand("migrate", "Apply pending schema migrations (never drops history)")
      ->callback([&inv] {
        auto config = LoadConfig(inv.flags);
        if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
        auto store = control::OpenStoreAsIs(*config);
        if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
        auto before = (*store)->SchemaVersion();
        Status st = (*store)->Migrate();
        if (!st.ok()) return void(inv.exit_code = ReportError(st));
        std::cout << "database " << config->db_path << " migrated from schema version "
                  << (before.ok() ? *before : 0) << " to " << (*store)->LatestSchemaVersion()
                  << std::endl;
      });
  db->add_subcommand("check", "Check the schema version and the database's integrity")
      ->callback([&inv] {
        auto config = LoadConfig(inv.flags);
        if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
        auto store = control::OpenStoreAsIs(*config);
        if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
        Status st = (*store)->Check();
        if (!st.ok()) {
          std::fprintf(stderr, "error: %s\n", st.message().c_str());
          inv.exit_code = kExitFailed;
          return;
        }
        std::cout << "database " << config->db_path << " is at schema version "
                  << (*store)->LatestSchemaVersion() << " and passes its integrity check"
                  << std::endl;
      });
}

}  // namespace sluice::cli
