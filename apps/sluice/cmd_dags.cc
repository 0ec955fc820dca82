// sluice dags validate | list | show | pause | unpause | trigger
#include <iostream>

#include "commands.h"
#include "control/dag_list.h"
#include "control/dag_lookup.h"
#include "control/pause.h"
#include "control/scheduler_lock.h"
#include "control/trigger.h"
#include "core/operator_registry.h"
#include "time/time_format.h"
#include "util/strings.h"

namespace sluice::cli {
namespace {

// Notifier names in a DAG's on_* lists that sluice.yaml does not define: warnings, not errors
// (the DAG runs; its alerts to that name fail, saying why), as "FILE:LINE:COL: warning: ...".
std::vector<std::string> NotifierWarnings(const DagSpec& dag, const notify::Notifiers& defined) {
  std::vector<std::string> names;
  for (const auto& [name, spec] : defined) names.push_back(name);
  const std::string known = names.empty() ? "none" : Join(names, ", ");
  std::vector<std::string> out;
  auto check = [&](const std::vector<std::string>& list, const std::string& key,
                   const std::string& where, const std::string& what) {
    for (const std::string& name : list) {
      if (defined.count(name) != 0) continue;
      out.push_back(where + ": warning: " + what + key + ": notifier '" + name +
                    "' is not defined under notifiers: in sluice.yaml (defined: " + known + ")");
    }
  };
  const std::string file = dag.file;
  for (const auto& [key, list] :
       {std::pair<std::string, const std::vector<std::string>*>{"on_failure", &dag.on_failure},
        {"on_retry", &dag.on_retry},
        {"on_success", &dag.on_success},
        {"on_sla_miss", &dag.on_sla_miss},
        {"on_long_running", &dag.on_long_running}}) {
    check(*list, key, file, "dag '" + dag.id + "': ");
  }
  for (const TaskSpec& t : dag.tasks) {
    const std::string where = t.location.file + ":" + std::to_string(t.location.line) + ":" +
                              std::to_string(t.location.column);
    const std::string what = "task '" + t.id + "': ";
    check(t.on_failure, "on_failure", where, what);
    check(t.on_retry, "on_retry", where, what);
    check(t.on_success, "on_success", where, what);
    check(t.on_long_running, "on_long_running", where, what);
  }
  return out;
}

void Validate(Invocation& inv, const std::vector<std::string>& paths) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  const std::vector<LoadedFile> files =
      control::LoadDagPaths(paths.empty() ? std::vector<std::string>{config->dags_folder} : paths);
  size_t dags = 0, errors = 0;
  nlohmann::json json_errors = nlohmann::json::array(), json_dags = nlohmann::json::array();
  nlohmann::json json_warnings = nlohmann::json::array();
  for (const auto& f : files) {
    for (const auto& d : f.errors) {
      ++errors;
      json_errors.push_back({{"file", d.location.file},
                             {"line", d.location.line},
                             {"col", d.location.column},
                             {"message", d.message}});
      if (inv.flags.output != "json") std::cerr << d.ToString() << "\n";
    }
    for (const auto& d : f.dags) {
      ++dags;
      json_dags.push_back({{"dag", d.id}, {"file", f.path}});
      for (const std::string& w : NotifierWarnings(d, config->notifiers)) {
        json_warnings.push_back(w);
        if (inv.flags.output != "json") std::cerr << w << "\n";
      }
    }
  }
  if (inv.flags.output == "json") {
    PrintJson({{"ok", errors == 0},
               {"dags", json_dags},
               {"errors", json_errors},
               {"warnings", json_warnings}});
  } else if (errors == 0) {
    std::cout << dags << " dag(s) in " << files.size() << " file(s): no errors" << std::endl;
  } else {
    std::cerr << errors << " error(s) in " << files.size() << " file(s)" << std::endl;
  }
  inv.exit_code = errors == 0 ? kExitOk : kExitFailed;
}

void List(Invocation& inv) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  auto rows = control::ListDags(session->ctx());
  if (!rows.ok()) return void(inv.exit_code = ReportError(rows.status()));
  if (inv.flags.output == "json") {
    nlohmann::json json = nlohmann::json::array();
    for (const auto& r : *rows) {
      json.push_back({{"dag", r.dag ? nlohmann::json(*r.dag) : nlohmann::json(nullptr)},
                      {"file", r.file},
                      {"paused", r.paused},
                      {"schedule", r.schedule ? nlohmann::json(*r.schedule) : nullptr},
                      {"next_due", JsonTime(r.next_due)},
                      {"errors", r.errors}});
    }
    return PrintJson(json);
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& r : *rows) {
    table.push_back({r.dag.value_or(""), r.paused ? "yes" : "no", r.schedule.value_or(""),
                     r.next_due ? FormatIsoUtc(*r.next_due) : "",
                     r.errors.empty() ? "" : std::to_string(r.errors.size()) + " error(s)",
                     r.file});
  }
  PrintTable({"DAG", "PAUSED", "SCHEDULE", "NEXT_DUE", "ERRORS", "FILE"}, table);
  for (const auto& r : *rows) {
    for (const auto& e : r.errors) std::cerr << e << "\n";
  }
}

void Show(Invocation& inv, const std::string& ref) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  auto dag = control::FindDag(session->ctx(), ref);
  if (!dag.ok()) return void(inv.exit_code = ReportError(dag.status()));
  if (inv.flags.output == "json") return PrintJson(nlohmann::json::parse(DagToJson(*dag)));
  std::cout << "dag:         " << dag->id << "\n"
            << "file:        " << dag->file << "\n"
            << "description: " << dag->description << "\n"
            << "owner:       " << dag->owner << "\n"
            << "schedule:    " << (dag->schedule ? control::ScheduleText(*dag) : "manual only")
            << "\n"
            << "timezone:    " << dag->timezone << "\n"
            << "version:     " << dag->hash << "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : dag->tasks) {
    const Operator* op = FindOperator(t.kind);
    rows.push_back({t.id, Join(t.needs, ","), TriggerRuleName(t.trigger), std::to_string(t.retries),
                    t.kind, op ? op->Describe(t.config) : std::string()});
  }
  PrintTable({"TASK", "NEEDS", "TRIGGER", "RETRIES", "KIND", "COMMAND"}, rows);
}

void SetPaused(Invocation& inv, const std::string& dag_id, bool paused) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  Status st = control::SetPaused(session->ctx(), dag_id, paused);
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  if (inv.flags.output == "json") return PrintJson({{"dag", dag_id}, {"paused", paused}});
  std::cout << (paused ? "paused" : "unpaused") << " dag '" << dag_id << "'" << std::endl;
}

void Trigger(Invocation& inv, const std::string& dag_id, const std::vector<std::string>& params) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  auto run = control::Trigger(session->ctx(), dag_id, params);
  if (!run.ok()) return void(inv.exit_code = ReportError(run.status()));
  if (inv.flags.output == "json") {
    return PrintJson({{"dag", run->dag_id}, {"run_id", run->run_id}, {"state", "queued"}});
  }
  std::cout << "triggered dag '" << run->dag_id << "': run " << run->run_id << " is queued"
            << std::endl;
  if (run->dag_paused) std::cout << "note: the dag is paused; the run starts when it is unpaused\n";
  if (!control::SchedulerRunning(session->config)) {
    std::cout << "note: " << control::NoSchedulerRunning(session->config)
              << "; start one with `sluice standalone`\n";
  }
}

}  // namespace

void AddDagsCommands(CLI::App& app, Invocation& inv) {
  auto* dags = app.add_subcommand("dags", "Validate, inspect, pause and trigger DAGs");
  dags->require_subcommand(1);

  auto* validate = dags->add_subcommand("validate", "Check DAG files; errors as FILE:LINE:COL");
  static std::vector<std::string> paths;
  validate->add_option("paths", paths, "files or folders (default: the DAGs folder)");
  AddOutputFlag(validate, inv);
  validate->callback([&inv] { Validate(inv, paths); });

  auto* list = dags->add_subcommand("list", "Every DAG and every file that yields none");
  AddOutputFlag(list, inv);
  list->callback([&inv] { List(inv); });

  static std::string dag_ref;
  auto* show = dags->add_subcommand("show", "A DAG's settings and tasks");
  show->add_option("dag", dag_ref, "DAG id or file")->required();
  AddOutputFlag(show, inv);
  show->callback([&inv] { Show(inv, dag_ref); });

  auto* pause = dags->add_subcommand("pause", "Stop creating scheduled runs");
  pause->add_option("dag", dag_ref, "DAG id")->required();
  AddOutputFlag(pause, inv);
  pause->callback([&inv] { SetPaused(inv, dag_ref, true); });
  auto* unpause = dags->add_subcommand("unpause", "Resume scheduled runs");
  unpause->add_option("dag", dag_ref, "DAG id")->required();
  AddOutputFlag(unpause, inv);
  unpause->callback([&inv] { SetPaused(inv, dag_ref, false); });

  static std::vector<std::string> params;
  auto* trigger = dags->add_subcommand("trigger", "Queue a manual run now");
  trigger->add_option("dag", dag_ref, "DAG id")->required();
  trigger->add_option("--param", params, "NAME=VALUE, overrides a declared param");
  AddOutputFlag(trigger, inv);
  trigger->callback([&inv] { Trigger(inv, dag_ref, params); });

  AddDagsTestCommand(*dags, inv);
}

}  // namespace sluice::cli
