#include "core/dag_validator.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_set>

#include "core/template.h"
#include "time/time_format.h"
#include "time/time_zone.h"
#include "time/timetable.h"
#include "util/strings.h"

namespace sluice {
namespace {

constexpr const char* kIdRule = "use letters, digits, '_', '.' and '-', at most 200 characters";

// Ids name folders (logs/DAG/RUN/TASK/): "." and ".." would name the folder itself or its parent.
std::string IdError(const char* what, const std::string& id) {
  if (id == "." || id == "..") {
    return std::string("invalid ") + what + " id '" + id +
           "' ('.' and '..' name folders, not ids; use letters, digits, '_', '.' and '-')";
  }
  return std::string("invalid ") + what + " id '" + id + "' (" + kIdRule + ")";
}

void CheckIds(const ParsedDag& parsed, DiagnosticSink& diags) {
  const DagSpec& spec = parsed.spec;
  const DagSourceNodes& src = parsed.source;
  if (!src.id) {
    diags.Error(src.document,
                "missing required key 'dag' (the DAG's id, e.g. dag: nightly_prices)");
  } else if (src.id->IsScalar() && !IsValidId(spec.id)) {
    diags.Error(*src.id, IdError("dag", spec.id));
  }
  if (!src.tasks_key) {
    diags.Error(src.document, "missing required key 'tasks' (a mapping of task ids to tasks)");
  } else if (src.tasks->IsNull() || (src.tasks->IsMap() && src.tasks->size() == 0)) {
    diags.Error(src.tasks->IsNull() ? *src.tasks_key : *src.tasks,
                "'tasks' is empty (a DAG needs at least one task)");
  }
  for (size_t i = 0; i < spec.tasks.size(); ++i) {
    if (!IsValidId(spec.tasks[i].id)) {
      diags.Error(src.tasks_source[i].key, IdError("task", spec.tasks[i].id));
    }
  }
}

void CheckNeeds(ParsedDag& parsed, DiagnosticSink& diags) {
  DagSpec& spec = parsed.spec;
  // Sets, not scans: a join of thousands of tasks must not cost millions of comparisons.
  std::vector<std::string> ids;
  for (const TaskSpec& t : spec.tasks) ids.push_back(t.id);
  const std::unordered_set<std::string> known(ids.begin(), ids.end());
  for (size_t i = 0; i < spec.tasks.size(); ++i) {
    TaskSpec& task = spec.tasks[i];
    std::unordered_set<std::string> seen;
    for (const auto& [up, node] : parsed.source.tasks_source[i].needs) {
      if (up == task.id) {
        diags.Error(node, "task '" + task.id + "' needs itself");
      } else if (seen.count(up)) {
        diags.Error(node, "task '" + task.id + "' needs '" + up + "' twice");
      } else if (!known.count(up)) {
        std::string hint = ClosestMatch(up, ids);
        diags.Error(node, "task '" + task.id + "' needs unknown task '" + up + "'" +
                              (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      } else {
        seen.insert(up);
        task.needs.push_back(up);
      }
    }
  }
}

// Reports one cycle, as the path along upstream -> downstream edges (the order tasks run in),
// written from its member that comes first in the file. An iterative depth-first search (a long
// chain cannot overflow the stack), linear in tasks and edges.
void CheckCycles(const ParsedDag& parsed, DiagnosticSink& diags) {
  const DagSpec& spec = parsed.spec;
  size_t n = spec.tasks.size();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < n; ++i) index.emplace(spec.tasks[i].id, i);
  std::vector<std::vector<size_t>> downstream(n);
  for (size_t i = 0; i < n; ++i) {
    for (const auto& up : spec.tasks[i].needs) downstream[index.at(up)].push_back(i);
  }
  enum class Color { kWhite, kOnPath, kDone };
  std::vector<Color> color(n, Color::kWhite);
  for (size_t root = 0; root < n; ++root) {
    if (color[root] != Color::kWhite) continue;
    // The current path, each with the next downstream edge to follow.
    std::vector<std::pair<size_t, size_t>> path = {{root, 0}};
    color[root] = Color::kOnPath;
    while (!path.empty()) {
      auto& [at, edge] = path.back();
      if (edge == downstream[at].size()) {
        color[at] = Color::kDone;
        path.pop_back();
        continue;
      }
      size_t next = downstream[at][edge++];
      if (color[next] == Color::kWhite) {
        color[next] = Color::kOnPath;
        path.emplace_back(next, 0);
      } else if (color[next] == Color::kOnPath) {
        auto from =
            std::find_if(path.begin(), path.end(), [&](const auto& p) { return p.first == next; });
        std::vector<size_t> cycle;
        for (auto it = from; it != path.end(); ++it) cycle.push_back(it->first);
        std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
        std::vector<std::string> names;
        for (size_t i : cycle) names.push_back(spec.tasks[i].id);
        names.push_back(spec.tasks[cycle.front()].id);
        diags.Error(parsed.source.tasks_source[cycle.front()].key,
                    "cycle in task dependencies: " + Join(names, " -> "));
        return;
      }
    }
  }
}

std::optional<TimePoint> ReadTime(const std::optional<YAML::Node>& node, const TimeZone& zone,
                                  DiagnosticSink& diags) {
  if (!node) return std::nullopt;
  Result<TimePoint> t = ParseTimePoint(node->Scalar(), zone);
  if (!t.ok()) {
    diags.Error(*node, t.status().message());
    return std::nullopt;
  }
  return *t;
}

void CheckTime(ParsedDag& parsed, DiagnosticSink& diags) {
  DagSpec& spec = parsed.spec;
  const DagSourceNodes& src = parsed.source;
  TimeZone zone = TimeZone::Utc();
  bool zone_ok = true;
  if (src.timezone) {
    Result<TimeZone> z = TimeZone::Find(spec.timezone);
    if (z.ok()) {
      zone = *z;
    } else {
      zone_ok = false;
      diags.Error(*src.timezone, z.status().message());
    }
  }
  // With an unknown zone, start and end are still read (in UTC) to report their own errors.
  spec.start = ReadTime(src.start, zone, diags);
  spec.end = ReadTime(src.end, zone, diags);
  bool times_ok = spec.start.has_value() == src.start.has_value() &&
                  spec.end.has_value() == src.end.has_value();
  if (spec.start && spec.end && *spec.end < *spec.start) {
    diags.Error(*src.end, "'end' is before 'start'");
    times_ok = false;
  }
  if (!spec.schedule || !src.schedule_expr) return;
  Status expr = CheckScheduleExpression(spec.schedule->expr);
  if (!expr.ok()) {
    diags.Error(*src.schedule_expr, expr.message());
    return;
  }
  if (!src.start) {
    diags.Error(*src.schedule_key,
                "a schedule needs 'start' (the first date to run, e.g. start: 2025-01-02)");
    return;
  }
  if (zone_ok && times_ok) {
    // The expression alone is fine; this catches what only the whole timetable can see.
    auto table = Timetable::Create(*spec.schedule, spec.timezone, *spec.start, spec.end);
    if (!table.ok()) diags.Error(*src.schedule_expr, table.status().message());
  }
}

void CheckTemplates(const ParsedDag& parsed, DiagnosticSink& diags) {
  for (const TaskSource& task : parsed.source.tasks_source) {
    for (const SpecNode& node : task.templates) {
      for (const TemplateProblem& p : CheckTemplate(node.text, parsed.spec)) {
        diags.Error(diags.AtOffset(node, p.offset), p.message);
      }
    }
  }
}

}  // namespace

bool IsValidId(const std::string& id) {
  if (id.empty() || id.size() > 200 || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

void ValidateDag(ParsedDag& parsed, DiagnosticSink& diags) {
  CheckIds(parsed, diags);
  CheckNeeds(parsed, diags);
  CheckCycles(parsed, diags);
  CheckTime(parsed, diags);
  CheckTemplates(parsed, diags);
}

}  // namespace sluice
