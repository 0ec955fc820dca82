// Reading task keys, shared by `defaults` and each task.

#include <algorithm>
#include <limits>

#include "core/dag_parser.h"
#include "core/operator_registry.h"
#include "core/spec_node.h"
#include "util/strings.h"

namespace sluice {
namespace {

bool IsKindKey(const std::string& key) { return FindOperator(key) != nullptr; }

std::vector<std::string> TriggerRuleNames() {
  std::vector<std::string> names;
  for (int i = 0; i <= static_cast<int>(TriggerRule::kAlways); ++i) {
    names.emplace_back(TriggerRuleName(static_cast<TriggerRule>(i)));
  }
  return names;
}

// Reads the kind key `e` through its operator: the task's kind and config, and its templates.
// `others`: the task's keys that are neither kind nor common keys, for an operator that reads
// them (Operator::reads_other_keys).
void ApplyKindKey(const Operator& op, const YamlEntry& e, TaskSpec& task, TaskSource& src,
                  DiagnosticSink& diags, const std::vector<const YamlEntry*>* others = nullptr) {
  task.kind = e.key;
  std::optional<SpecEntry> entry = ToSpecEntry(e, diags);
  if (!entry) return;
  SinkSpecDiagnostics sink(diags, *entry, src.templates);
  std::optional<Value> config;
  if (others != nullptr) {
    std::vector<SpecEntry> other_entries;
    for (const YamlEntry* o : *others) {
      if (std::optional<SpecEntry> other = ToSpecEntry(*o, diags)) {
        other_entries.push_back(std::move(*other));
      }
    }
    config = op.ValidateWithKeys(*entry, other_entries, sink);
  } else {
    config = op.Validate(*entry, sink);
  }
  if (config) {
    task.config = std::move(*config);
  } else if (sink.errors() == 0) {
    // The operator broke its contract; the file must still not load with no config.
    diags.Error(e.key_node, "'" + e.key + "' was rejected without a reason (a bug in its kind)");
  }
}

// Applies one key to `task`. Returns false when the key is not a task key.
bool ApplyTaskKey(const YamlEntry& e, TaskSpec& task, TaskSource& src, DiagnosticSink& diags) {
  const std::string& k = e.key;
  if (const Operator* op = FindOperator(k)) {
    ApplyKindKey(*op, e, task, src, diags);
  } else if (k == "needs") {
    if (e.value.IsScalar()) {
      // One upstream may be written without brackets.
      src.needs = {{e.value.Scalar(), e.value}};
    } else if (auto v = ReadStringListNodes(e, "task ids", diags)) {
      src.needs = std::move(*v);
    }
  } else if (k == "trigger") {
    if (auto v = ReadString(e, diags)) {
      if (auto rule = ParseTriggerRule(*v)) {
        task.trigger = *rule;
      } else {
        std::string hint = ClosestMatch(*v, TriggerRuleNames());
        diags.Error(e.value,
                    "unknown trigger rule '" + *v + "' " +
                        (hint.empty() ? "(use one of " + Join(TriggerRuleNames(), ", ") + ")"
                                      : "(did you mean '" + hint + "'?)"));
      }
    }
  } else if (k == "retries") {
    if (auto v = ReadInt(e, 0, diags)) task.retries = *v;
  } else if (k == "retry_delay") {
    if (auto v = ReadDuration(e, diags)) task.retry_delay = *v;
  } else if (k == "retry_backoff") {
    if (auto v = ReadString(e, diags)) {
      if (*v == "fixed") {
        task.retry_backoff = RetryBackoff::kFixed;
      } else if (*v == "exponential") {
        task.retry_backoff = RetryBackoff::kExponential;
      } else {
        diags.Error(e.value, "unknown retry_backoff '" + *v + "' (use fixed or exponential)");
      }
    }
  } else if (k == "max_retry_delay") {
    if (auto v = ReadDuration(e, diags)) task.max_retry_delay = *v;
  } else if (k == "timeout") {
    if (auto v = ReadDuration(e, diags)) task.timeout = *v;
  } else if (k == "env") {
    if (auto v = ReadStringMap(e, diags)) {
      for (auto& [item, text] : *v) {
        task.env[item.key] = text;
        src.templates.push_back(ScalarSpecNode(item.value));
      }
    }
  } else if (k == "cwd") {
    if (auto v = ReadString(e, diags)) {
      task.cwd = *v;
      src.templates.push_back(ScalarSpecNode(e.value));
    }
  } else if (k == "pool") {
    if (auto v = ReadString(e, diags)) {
      if (v->empty()) {
        diags.Error(e.value,
                    "'pool' is empty (name a pool of sluice.yaml's `pools`, or leave it out)");
      } else {
        task.pool = *v;
      }
    }
  } else if (k == "pool_slots") {
    if (auto v = ReadInt(e, 1, diags)) task.pool_slots = *v;
  } else if (k == "priority") {
    if (auto v = ReadInt(e, std::numeric_limits<int>::min(), diags)) task.priority = *v;
  } else if (k == "skip_exit_code") {
    if (auto v = ReadInt(e, 0, diags)) {
      if (*v > 255) {
        diags.Error(e.value, "'skip_exit_code' must be an exit code from 0 to 255");
      } else {
        task.skip_exit_code = *v;
      }
    }
  } else if (k == "depends_on_past") {
    if (auto v = ReadBool(e, diags)) task.depends_on_past = *v;
  } else if (k == "on_failure") {
    if (auto v = ReadStringList(e, "notifier names", diags)) task.on_failure = *v;
  } else if (k == "on_retry") {
    if (auto v = ReadStringList(e, "notifier names", diags)) task.on_retry = *v;
  } else if (k == "on_success") {
    if (auto v = ReadStringList(e, "notifier names", diags)) task.on_success = *v;
  } else if (k == "on_long_running") {
    if (auto v = ReadStringList(e, "notifier names", diags)) task.on_long_running = *v;
  } else if (k == "expected_duration") {
    if (auto v = ReadDuration(e, diags)) {
      if (*v <= Duration::zero()) {
        diags.Error(e.value, "'expected_duration' must be longer than 0s");
      } else {
        task.expected_duration = *v;
      }
    }
  } else {
    return false;
  }
  return true;
}

}  // namespace

const std::vector<std::string>& CommonTaskKeys() {
  static const std::vector<std::string> kKeys = {"needs",
                                                 "trigger",
                                                 "retries",
                                                 "retry_delay",
                                                 "retry_backoff",
                                                 "max_retry_delay",
                                                 "timeout",
                                                 "env",
                                                 "cwd",
                                                 "pool",
                                                 "pool_slots",
                                                 "priority",
                                                 "skip_exit_code",
                                                 "depends_on_past",
                                                 "on_failure",
                                                 "on_retry",
                                                 "on_success",
                                                 "on_long_running",
                                                 "expected_duration"};
  return kKeys;
}

std::vector<std::string> TaskKeys() {
  std::vector<std::string> keys = OperatorKinds();
  const auto& common = CommonTaskKeys();
  keys.insert(keys.end(), common.begin(), common.end());
  return keys;
}

std::string UnknownKeyMessage(const std::string& key, const std::vector<std::string>& known) {
  std::string hint = ClosestMatch(key, known);
  return "unknown key '" + key + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)");
}

std::vector<YamlEntry> ParseDefaults(const YamlEntry& entry, DiagnosticSink& diags) {
  if (entry.value.IsNull()) return {};
  if (!entry.value.IsMap()) {
    diags.Error(entry.value, "'defaults' must be a mapping of task keys (e.g. retries: 3)");
    return {};
  }
  std::vector<YamlEntry> good;
  for (YamlEntry& e : MapEntries(entry.value, diags)) {
    TaskSpec scratch;
    TaskSource scratch_source;
    size_t before = diags.size();
    if (!ApplyTaskKey(e, scratch, scratch_source, diags)) {
      diags.Error(e.key_node, UnknownKeyMessage(e.key, TaskKeys()));
      continue;
    }
    // A bad default is reported here once and not applied, so tasks do not repeat it.
    if (diags.size() == before) good.push_back(std::move(e));
  }
  return good;
}

std::optional<std::pair<TaskSpec, TaskSource>> ParseTask(const YamlEntry& entry,
                                                         const std::vector<YamlEntry>& defaults,
                                                         DiagnosticSink& diags) {
  TaskSpec task;
  TaskSource src;
  task.id = entry.key;
  task.location = diags.At(entry.key_node);
  src.key = entry.key_node;
  if (!entry.value.IsMap() && !entry.value.IsNull()) {
    diags.Error(entry.value, "task '" + entry.key + "' must be a mapping of task keys (e.g. " +
                                 entry.key + ": {run: ./step.sh})");
    return std::nullopt;
  }
  std::vector<YamlEntry> own;
  if (entry.value.IsMap()) own = MapEntries(entry.value, diags);
  auto sets = [&](const std::string& key) {
    return std::any_of(own.begin(), own.end(), [&](const YamlEntry& e) { return e.key == key; });
  };
  bool own_kind =
      std::any_of(own.begin(), own.end(), [](const YamlEntry& e) { return IsKindKey(e.key); });
  // Defaults first, so the task's own keys overwrite them; a default kind applies only to a
  // task that names none.
  std::vector<const YamlEntry*> entries;
  for (const YamlEntry& d : defaults) {
    if (sets(d.key) || (own_kind && IsKindKey(d.key))) continue;
    entries.push_back(&d);
  }
  for (const YamlEntry& e : own) entries.push_back(&e);

  // A kind that reads the task's other keys (a sensor's `path`, ...) is validated last, with
  // them; without one, a key that is not a task key is unknown.
  const YamlEntry* reading_kind = nullptr;
  for (const YamlEntry* e : entries) {
    const Operator* op = FindOperator(e->key);
    if (op != nullptr && op->reads_other_keys()) reading_kind = e;
  }
  std::vector<std::string> kinds;
  std::vector<const YamlEntry*> others;
  for (const YamlEntry* e : entries) {
    if (e == reading_kind) {
      kinds.push_back(e->key);
      continue;
    }
    // Beside a kind that reads the task's keys, another kind's key is one of those keys (a
    // command sensor's `run`); the reading kind reports it when it is not.
    if (reading_kind != nullptr && IsKindKey(e->key)) {
      others.push_back(e);
      continue;
    }
    if (IsKindKey(e->key)) kinds.push_back(e->key);
    if (!ApplyTaskKey(*e, task, src, diags)) {
      if (reading_kind != nullptr) {
        others.push_back(e);
      } else {
        diags.Error(e->key_node, UnknownKeyMessage(e->key, TaskKeys()));
      }
    }
  }
  if (reading_kind != nullptr) {
    ApplyKindKey(*FindOperator(reading_kind->key), *reading_kind, task, src, diags, &others);
    // With two kinds, the one applied last would win: the task is an error either way.
    if (kinds.size() > 1) task.kind = kinds.front();
  }
  if (kinds.size() > 1) {
    // Name kinds in the order they were registered, whatever order the file used.
    const std::vector<std::string> order = OperatorKinds();
    std::sort(kinds.begin(), kinds.end(), [&](const std::string& a, const std::string& b) {
      return std::find(order.begin(), order.end(), a) < std::find(order.begin(), order.end(), b);
    });
  }
  if (kinds.empty()) {
    std::string kinds_known = QuotedKinds();
    diags.Error(entry.key_node,
                "task '" + entry.key + "' has no command (" +
                    (kinds_known.empty() ? std::string("no task kinds are registered")
                                         : "add " + kinds_known) +
                    ")");
  } else if (kinds.size() > 1) {
    diags.Error(entry.key_node, "task '" + entry.key + "' has both '" + kinds[0] + "' and '" +
                                    kinds[1] + "' (use exactly one)");
  }
  return std::make_pair(std::move(task), std::move(src));
}

}  // namespace sluice
