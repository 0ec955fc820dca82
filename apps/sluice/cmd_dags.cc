// sluice dags validate | list | show | pause | unpause | trigger
#include <filesystem>
#include <iostream>
#include <set>

#include "commands.h"
#include "core/operator_registry.h"
#include "scheduler/dag_graph.h"
#include "scheduler/run_builder.h"
#include "time/time_format.h"
#include "util/strings.h"

namespace sluice::cli {
namespace {

std::string ScheduleText(const DagSpec& d) {
  if (!d.schedule) return "";
  return d.schedule->mode == ScheduleMode::kTrigger ? d.schedule->expr + " (trigger)"
                                                    : d.schedule->expr;
}

// When the next scheduled run becomes due, as the scheduler would compute it.
std::optional<TimePoint> NextDue(const DagSpec& d, const DagRecord* rec) {
  if (!d.schedule || !d.start || (rec && rec->paused)) return std::nullopt;
  auto tt = Timetable::Create(*d.schedule, d.timezone, *d.start, d.end);
  if (!tt.ok()) return std::nullopt;
  std::optional<RunWindow> next =
      rec && rec->last_scheduled ? tt->After(*rec->last_scheduled) : tt->First();
  if (!d.catchup) {
    auto latest = tt->LatestDue(SystemClock().Now());
    if (latest && (!next || next->due < latest->due)) next = latest;
  }
  return next ? std::optional<TimePoint>(next->due) : std::nullopt;
}

void Validate(Invocation& inv, const std::vector<std::string>& paths) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  std::vector<std::string> targets =
      paths.empty() ? std::vector<std::string>{config->dags_folder} : paths;
  std::vector<LoadedFile> files;
  for (const auto& p : targets) {
    if (std::filesystem::is_directory(p)) {
      for (auto& f : LoadDagFolder(p, GeneratorOptions())) files.push_back(std::move(f));
    } else if (!std::filesystem::exists(p)) {
      LoadedFile f;
      f.path = p;
      f.errors.push_back({{p, 1, 1}, "no such file or directory"});
      files.push_back(std::move(f));
    } else {
      files.push_back(EndsWith(p, ".dag") ? LoadGeneratedDags(p, GeneratorOptions())
                                          : LoadDagFile(p));
    }
  }
  size_t dags = 0, errors = 0;
  nlohmann::json json_errors = nlohmann::json::array(), json_dags = nlohmann::json::array();
  for (const auto& f : files) {
    for (const auto& d : f.errors) {
      ++errors;
      json_errors.push_back(d.ToString());
      if (inv.flags.output != "json") std::cerr << d.ToString() << "\n";
    }
    for (const auto& d : f.dags) {
      ++dags;
      json_dags.push_back({{"dag", d.id}, {"file", f.path}});
    }
  }
  if (inv.flags.output == "json") {
    PrintJson({{"ok", errors == 0}, {"dags", json_dags}, {"errors", json_errors}});
  } else if (errors == 0) {
    std::cout << dags << " dag(s) in " << files.size() << " file(s): no errors" << std::endl;
  } else {
    std::cerr << errors << " error(s) in " << files.size() << " file(s)" << std::endl;
  }
  inv.exit_code = errors == 0 ? kExitOk : kExitFailed;
}

void List(Invocation& inv) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  auto store = OpenStore(*config);
  if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
  auto records = (*store)->ListDags();
  if (!records.ok()) return void(inv.exit_code = ReportError(records.status()));
  std::map<std::string, DagRecord> by_id;
  for (auto& r : *records) by_id[r.dag_id] = r;

  nlohmann::json rows = nlohmann::json::array();
  auto add_row = [&](const DagSpec* d, const std::string& file,
                     const std::vector<std::string>& errors) {
    const DagRecord* rec = nullptr;
    if (d && by_id.count(d->id)) rec = &by_id[d->id];
    nlohmann::json row;
    row["dag"] = d ? nlohmann::json(d->id) : nlohmann::json(nullptr);
    row["file"] = file;
    row["paused"] = rec ? rec->paused : false;
    row["schedule"] = d && d->schedule ? nlohmann::json(ScheduleText(*d)) : nlohmann::json(nullptr);
    row["next_due"] = d ? JsonTime(NextDue(*d, rec)) : nlohmann::json(nullptr);
    row["errors"] = errors;
    rows.push_back(row);
  };
  for (const auto& f : LoadFolder(*config)) {
    std::vector<std::string> errors;
    for (const auto& e : f.errors) errors.push_back(e.ToString());
    if (f.ok()) {
      for (const auto& d : f.dags) add_row(&d, f.path, errors);
      continue;
    }
    // A broken file keeps the rows of the DAGs it defined, from their last good version.
    bool any = false;
    for (const auto& [id, rec] : by_id) {
      if (rec.file != f.path || rec.deleted || rec.hash.empty()) continue;
      auto version = (*store)->GetDagVersion(id, rec.hash);
      if (!version.ok() || !*version) continue;
      auto spec = DagFromJson((*version)->spec_json);
      if (!spec.ok()) continue;
      add_row(&*spec, f.path, errors);
      any = true;
    }
    if (!any) add_row(nullptr, f.path, errors);
  }
  if (inv.flags.output == "json") return PrintJson(rows);
  std::vector<std::vector<std::string>> table;
  for (const auto& r : rows) {
    table.push_back({r["dag"].is_null() ? "" : r["dag"].get<std::string>(),
                     r["paused"].get<bool>() ? "yes" : "no",
                     r["schedule"].is_null() ? "" : r["schedule"].get<std::string>(),
                     r["next_due"].is_null() ? "" : r["next_due"].get<std::string>(),
                     r["errors"].empty() ? "" : std::to_string(r["errors"].size()) + " error(s)",
                     r["file"].get<std::string>()});
  }
  PrintTable({"DAG", "PAUSED", "SCHEDULE", "NEXT_DUE", "ERRORS", "FILE"}, table);
  for (const auto& r : rows) {
    for (const auto& e : r["errors"]) std::cerr << e.get<std::string>() << "\n";
  }
}

void Show(Invocation& inv, const std::string& ref) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  auto dag = FindDag(*config, ref);
  if (!dag.ok()) return void(inv.exit_code = ReportError(dag.status()));
  if (inv.flags.output == "json") return PrintJson(nlohmann::json::parse(DagToJson(*dag)));
  std::cout << "dag:         " << dag->id << "\n"
            << "file:        " << dag->file << "\n"
            << "description: " << dag->description << "\n"
            << "owner:       " << dag->owner << "\n"
            << "schedule:    " << (dag->schedule ? ScheduleText(*dag) : "manual only") << "\n"
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

// Makes sure the store knows this version of the DAG (a run refers to it by hash).
void RecordVersion(WriteBatch& batch, Store& store, const DagSpec& dag) {
  auto rec = store.GetDag(dag.id);
  DagRecord r = rec.ok() && *rec ? **rec : DagRecord();
  if (!rec.ok() || !*rec || r.hash.empty()) {
    r.dag_id = dag.id;
    r.file = dag.file;
    r.hash = dag.hash;
    batch.dags.push_back(r);
  }
  AddDagVersionIfNew(store, dag, SystemClock().Now(), &batch);
}

void SetPaused(Invocation& inv, const std::string& dag_id, bool paused) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  auto store = OpenStore(*config);
  if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
  auto rec = (*store)->GetDag(dag_id);
  if (!rec.ok()) return void(inv.exit_code = ReportError(rec.status()));
  WriteBatch batch;
  if (!*rec || (*rec)->hash.empty()) {
    auto dag = FindDag(*config, dag_id);
    if (!dag.ok()) return void(inv.exit_code = ReportError(dag.status()));
    RecordVersion(batch, **store, *dag);
  }
  batch.set_paused.push_back({dag_id, paused});
  EventRecord e;
  e.time = SystemClock().Now();
  e.dag_id = dag_id;
  e.kind = "dag_paused";
  e.from = *rec && (*rec)->paused ? "paused" : "active";
  e.to = paused ? "paused" : "active";
  batch.events.push_back(e);
  Status st = (*store)->Apply(batch);
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  auto sent = SendCommand(**store, paused ? "pause" : "unpause", {{"dag", dag_id}}, false);
  if (!sent.ok()) return void(inv.exit_code = ReportError(sent.status()));
  std::cout << (paused ? "paused" : "unpaused") << " dag '" << dag_id << "'" << std::endl;
}

void Trigger(Invocation& inv, const std::string& dag_id, const std::vector<std::string>& params) {
  auto config = LoadConfig(inv.flags);
  if (!config.ok()) return void(inv.exit_code = ReportError(config.status()));
  auto dag = FindDag(*config, dag_id);
  if (!dag.ok()) return void(inv.exit_code = ReportError(dag.status()));
  auto params_json = ParamsJson(*dag, params);
  if (!params_json.ok()) return void(inv.exit_code = ReportError(params_json.status()));
  auto graph = DagGraph::Build(*dag);
  if (!graph.ok()) return void(inv.exit_code = ReportError(graph.status()));
  auto store = OpenStore(*config);
  if (!store.ok()) return void(inv.exit_code = ReportError(store.status()));
  const TimePoint now = SystemClock().Now();
  WriteBatch batch = BuildNewRun(**graph, RunType::kManual, {now, now, now}, *params_json, now);
  const std::string run_id = batch.runs.front().run_id;
  RecordVersion(batch, **store, *dag);
  Status st = (*store)->Apply(batch);
  if (!st.ok()) return void(inv.exit_code = ReportError(st));
  auto sent = SendCommand(**store, "trigger", {{"dag", dag->id}, {"run", run_id}}, false);
  if (!sent.ok()) return void(inv.exit_code = ReportError(sent.status()));
  auto rec = (*store)->GetDag(dag->id);
  const bool paused = rec.ok() && *rec && (*rec)->paused;
  if (inv.flags.output == "json") {
    PrintJson({{"dag", dag->id}, {"run_id", run_id}, {"state", "queued"}});
  } else {
    std::cout << "triggered dag '" << dag->id << "': run " << run_id << " is queued" << std::endl;
    if (paused) std::cout << "note: the dag is paused; the run starts when it is unpaused\n";
    if (!SchedulerRunning(*config)) {
      std::cout << "note: no scheduler is running on " << config->home
                << "; start one with `sluice standalone`\n";
    }
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
  pause->callback([&inv] { SetPaused(inv, dag_ref, true); });
  auto* unpause = dags->add_subcommand("unpause", "Resume scheduled runs");
  unpause->add_option("dag", dag_ref, "DAG id")->required();
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
