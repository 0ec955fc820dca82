// Reading the DAG-level keys of one document.

#include "core/dag_parser.h"

#include <algorithm>
#include <cctype>

#include "util/strings.h"

namespace sluice {
namespace {

const std::vector<std::string>& DagKeys() {
  static const std::vector<std::string> kKeys = {"dag",
                                                 "description",
                                                 "owner",
                                                 "tags",
                                                 "schedule",
                                                 "timezone",
                                                 "start",
                                                 "end",
                                                 "catchup",
                                                 "max_active_runs",
                                                 "max_active_tasks",
                                                 "params",
                                                 "defaults",
                                                 "on_failure",
                                                 "on_retry",
                                                 "on_success",
                                                 "on_sla_miss",
                                                 "on_long_running",
                                                 "sla",
                                                 "tasks"};
  return kKeys;
}

bool IsParamName(const std::string& name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

void ParseSchedule(const YamlEntry& e, DagSpec& spec, DagSourceNodes& src, DiagnosticSink& diags) {
  src.schedule_key = e.key_node;
  if (e.value.IsNull()) return;  // manual runs only
  if (e.value.IsScalar()) {
    spec.schedule = ScheduleSpec{e.value.Scalar(), ScheduleMode::kInterval};
    src.schedule_expr = e.value;
    return;
  }
  if (!e.value.IsMap()) {
    diags.Error(e.value,
                "'schedule' must be a cron expression, a preset, 'every DURATION' or a "
                "mapping such as {cron: \"0 9 * * 1-5\", mode: trigger}");
    return;
  }
  ScheduleSpec sched;
  std::vector<std::string> forms;
  bool ok = true;
  for (const YamlEntry& item : MapEntries(e.value, diags)) {
    if (item.key == "cron" || item.key == "preset" || item.key == "every") {
      forms.push_back(item.key);
      auto text = ReadString(item, diags);
      if (!text) {
        ok = false;
        continue;
      }
      sched.expr = item.key == "every" ? "every " + *text : *text;
      // A preset may be written without its '@'.
      if (item.key == "preset" && !StartsWith(sched.expr, "@")) sched.expr = "@" + sched.expr;
      src.schedule_expr = item.value;
    } else if (item.key == "mode") {
      auto mode = ReadString(item, diags);
      if (mode && *mode == "interval") {
        sched.mode = ScheduleMode::kInterval;
      } else if (mode && *mode == "trigger") {
        sched.mode = ScheduleMode::kTrigger;
      } else {
        if (mode) {
          diags.Error(item.value,
                      "unknown schedule mode '" + *mode + "' (use interval or trigger)");
        }
        ok = false;
      }
    } else {
      diags.Error(item.key_node, UnknownKeyMessage(item.key, {"cron", "preset", "every", "mode"}));
      ok = false;
    }
  }
  if (forms.size() > 1) {
    diags.Error(e.value,
                "'schedule' has both '" + forms[0] + "' and '" + forms[1] + "' (use exactly one)");
    return;
  }
  if (forms.empty()) {
    diags.Error(e.value, "'schedule' needs one of 'cron', 'preset' or 'every'");
    return;
  }
  if (ok) spec.schedule = sched;
}

void ParseParams(const YamlEntry& e, DagSpec& spec, DiagnosticSink& diags) {
  if (e.value.IsNull()) return;
  if (!e.value.IsMap()) {
    diags.Error(e.value, "'params' must be a mapping of names to values");
    return;
  }
  for (const YamlEntry& p : MapEntries(e.value, diags)) {
    if (!IsParamName(p.key)) {
      diags.Error(p.key_node, "invalid param name '" + p.key + "' (use letters, digits and '_')");
      continue;
    }
    auto text = NodeAsText(p.value);
    if (!text) {
      diags.Error(p.value, "param '" + p.key + "' is nested too deeply or too large");
      continue;
    }
    spec.params[p.key] = *text;
  }
}

}  // namespace

std::optional<ParsedDag> ParseDagDocument(const YAML::Node& doc, DiagnosticSink& diags) {
  if (!doc.IsMap()) {
    diags.Error(doc, "a DAG spec must be a mapping with at least 'dag' and 'tasks'");
    return std::nullopt;
  }
  ParsedDag parsed;
  DagSpec& spec = parsed.spec;
  DagSourceNodes& src = parsed.source;
  src.document = doc;
  spec.file = diags.file();

  std::vector<YamlEntry> entries = MapEntries(doc, diags);
  std::vector<YamlEntry> defaults;
  const YamlEntry* tasks = nullptr;
  for (const YamlEntry& e : entries) {
    const std::string& k = e.key;
    if (k == "dag") {
      src.id = e.value;
      if (auto v = ReadString(e, diags)) spec.id = *v;
    } else if (k == "description") {
      if (auto v = ReadString(e, diags)) spec.description = *v;
    } else if (k == "owner") {
      if (auto v = ReadString(e, diags)) spec.owner = *v;
    } else if (k == "tags") {
      if (auto v = ReadStringList(e, "strings", diags)) spec.tags = *v;
    } else if (k == "schedule") {
      ParseSchedule(e, spec, src, diags);
    } else if (k == "timezone") {
      if (auto v = ReadString(e, diags)) {
        spec.timezone = *v;
        src.timezone = e.value;
      }
    } else if (k == "start") {
      if (ReadString(e, diags)) src.start = e.value;
    } else if (k == "end") {
      if (ReadString(e, diags)) src.end = e.value;
    } else if (k == "catchup") {
      if (auto v = ReadBool(e, diags)) spec.catchup = *v;
    } else if (k == "max_active_runs") {
      if (auto v = ReadInt(e, 1, diags)) spec.max_active_runs = *v;
    } else if (k == "max_active_tasks") {
      if (auto v = ReadInt(e, 1, diags)) spec.max_active_tasks = *v;
    } else if (k == "params") {
      ParseParams(e, spec, diags);
    } else if (k == "defaults") {
      defaults = ParseDefaults(e, diags);
    } else if (k == "on_failure") {
      if (auto v = ReadStringList(e, "notifier names", diags)) spec.on_failure = *v;
    } else if (k == "on_retry") {
      if (auto v = ReadStringList(e, "notifier names", diags)) spec.on_retry = *v;
    } else if (k == "on_success") {
      if (auto v = ReadStringList(e, "notifier names", diags)) spec.on_success = *v;
    } else if (k == "on_sla_miss") {
      if (auto v = ReadStringList(e, "notifier names", diags)) spec.on_sla_miss = *v;
    } else if (k == "on_long_running") {
      if (auto v = ReadStringList(e, "notifier names", diags)) spec.on_long_running = *v;
    } else if (k == "sla") {
      if (auto v = ReadDuration(e, diags)) spec.sla = *v;
    } else if (k == "tasks") {
      tasks = &e;
    } else {
      const auto& task_keys = TaskKeys();
      if (std::find(task_keys.begin(), task_keys.end(), k) != task_keys.end()) {
        diags.Error(e.key_node, "'" + k +
                                    "' is a task key: put it under 'defaults' to apply it "
                                    "to every task, or under a task");
      } else {
        diags.Error(e.key_node, UnknownKeyMessage(k, DagKeys()));
      }
    }
  }

  // Tasks last: `defaults` may follow them in the file.
  if (tasks != nullptr) {
    src.tasks_key = tasks->key_node;
    src.tasks = tasks->value;
    if (tasks->value.IsMap()) {
      for (const YamlEntry& t : MapEntries(tasks->value, diags)) {
        if (auto task = ParseTask(t, defaults, diags)) {
          spec.tasks.push_back(std::move(task->first));
          src.tasks_source.push_back(std::move(task->second));
        }
      }
    } else if (!tasks->value.IsNull()) {
      diags.Error(tasks->value, "'tasks' must be a mapping of task ids to tasks");
    }
  }
  return parsed;
}

}  // namespace sluice
