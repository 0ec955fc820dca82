// sluice runs list | tasks list | tasks logs | tasks why | tasks clear | tasks mark | tasks kill
#include <iostream>
#include <thread>

#include "commands.h"
#include "control/cancel.h"
#include "control/clear.h"
#include "control/kill.h"
#include "control/mark.h"
#include "control/record_json.h"
#include "control/run_list.h"
#include "control/run_lookup.h"
#include "control/task_log.h"
#include "control/task_why.h"
#include "executor/log_lines.h"
#include "time/duration.h"

namespace sluice::cli {
namespace {

std::string TableDuration(const std::optional<TimePoint>& start,
                          const std::optional<TimePoint>& end, TimePoint now) {
  if (!start) return "";
  // Read by people: whole milliseconds under a second (not 832249us), whole seconds above.
  const Duration d = end.value_or(now) - *start;
  if (d >= Duration::zero() && d < std::chrono::milliseconds(1)) return "<1ms";
  if (d < std::chrono::seconds(1)) {
    return FormatDuration(std::chrono::floor<std::chrono::milliseconds>(d));
  }
  return FormatDuration(d);
}

void ListRuns(Invocation& inv, const control::RunListQuery& query) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  auto runs = control::ListRuns(session->ctx(), query);
  if (!runs.ok()) return void(inv.exit_code = ReportError(runs.status()));
  const TimePoint now = SystemClock().Now();
  if (inv.flags.output == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& r : *runs) rows.push_back(control::RunJson(r, now));
    return PrintJson(rows);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : *runs) {
    // A run that missed its SLA says so beside its state, whatever state it is in now.
    const std::string state =
        std::string(RunStateName(r.state)) + (r.sla_missed_at ? " (sla missed)" : "");
    rows.push_back({r.dag_id, r.run_id, state, TableTime(r.logical_date), TableTime(r.start),
                    TableTime(r.end), TableDuration(r.start, r.end, now)});
  }
  PrintTable({"DAG", "RUN", "STATE", "LOGICAL_DATE", "START", "END", "DURATION"}, rows);
}

// What the REASON column says: why it failed, or what holds it, or that its log was cut.
std::string Reason(const control::TaskWhy& why, const std::string& failure,
                   const std::string& log_note) {
  if (!failure.empty()) return failure;
  if (!why.blocked_by.empty()) {
    return why.blocked_by.front().rule + ": " + why.blocked_by.front().text;
  }
  return log_note;
}

void ListTasks(Invocation& inv, const std::string& dag, const std::string& run) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  auto rec = control::FindRun(*session->store, dag, run);
  if (!rec.ok()) return void(inv.exit_code = ReportError(rec.status()));
  auto whys = control::WhyTasks(session->ctx(), *rec);
  if (!whys.ok()) return void(inv.exit_code = ReportError(whys.status()));
  auto attempts = session->store->ListAttempts(dag, run, "");
  if (!attempts.ok()) return void(inv.exit_code = ReportError(attempts.status()));
  const TimePoint now = SystemClock().Now();
  auto newest = [&](const TaskInstanceRecord& t) { return control::NewestAttempt(*attempts, t); };
  // Why the task's newest try failed, from its recorded result; empty unless it failed.
  auto failure = [&](const TaskInstanceRecord& t) {
    const AttemptRecord* last = newest(t);
    return last ? control::FailureReason(*last) : std::string();
  };
  // Whether the newest try's log was cut (its cap, a full disk); empty when whole.
  auto log_note = [&](const TaskInstanceRecord& t) {
    const AttemptRecord* last = newest(t);
    return last ? last->log_note : std::string();
  };
  if (inv.flags.output == "json") {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& why : *whys) {
      rows.push_back(control::TaskJson(why, control::NewestAttempt(*attempts, why.task), now));
    }
    return PrintJson(rows);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& why : *whys) {
    const TaskInstanceRecord& t = why.task;
    rows.push_back({t.task_id, TaskStateName(t.state), std::to_string(t.try_number),
                    TableTime(t.start), TableTime(t.end), TableDuration(t.start, t.end, now),
                    Reason(why, failure(t), log_note(t))});
  }
  PrintTable({"TASK", "STATE", "TRIES", "START", "END", "DURATION", "REASON"}, rows);
}

void Why(Invocation& inv, const std::string& dag, const std::string& run, const std::string& task) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  auto why = control::WhyTask(session->ctx(), dag, run, task);
  if (!why.ok()) return void(inv.exit_code = ReportError(why.status()));
  if (inv.flags.output == "json") {
    return PrintJson({{"dag", dag},
                      {"run_id", run},
                      {"task", task},
                      {"state", TaskStateName(why->task.state)},
                      {"summary", why->summary},
                      {"blocked_by", control::JsonExplanations(why->blocked_by)}});
  }
  std::cout << task << " is " << TaskStateName(why->task.state) << ": " << why->summary << "\n";
  for (const auto& e : why->blocked_by) std::cout << "  " << e.rule << ": " << e.text << "\n";
  std::cout.flush();
}

// One log line as a JSON object on one line: {"time", "stream", "text"} (stream "out", "err" or
// "sluice"; a line not in the log's format has time and stream null and is all text). Bytes
// that are not UTF-8 become U+FFFD.
void PrintLogLineAsJson(std::string_view line) {
  nlohmann::json j = {{"time", nullptr}, {"stream", nullptr}, {"text", std::string(line)}};
  if (const std::optional<LogLine> parsed = ParseLogLine(line)) {
    j["time"] = std::string(parsed->time);
    j["stream"] = std::string(parsed->tag);
    j["text"] = std::string(parsed->text);
  }
  std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

void Logs(Invocation& inv, control::TaskLogRequest request) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  control::TaskLogOutput out;
  out.write = [](std::string_view text) { std::cout << text; };
  // JSON: one object per line as lines come (so --follow streams too); JSON escapes what a
  // terminal would act on, so the text is the task's own.
  std::string partial;
  if (inv.flags.output == "json") {
    request.raw = true;
    out.write = [&partial](std::string_view text) {
      partial += text;
      size_t start = 0;
      for (size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
        PrintLogLineAsJson(std::string_view(partial).substr(start, nl - start));
      }
      partial.erase(0, start);
    };
  }
  out.note = [](const std::string& note) { std::cerr << note << std::endl; };
  // Flushed before each wait, so a follower sees each line as it comes.
  out.sleep = [](Duration d) {
    std::cout.flush();
    std::this_thread::sleep_for(d);
  };
  Status st = control::ShowTaskLog(session->ctx(), request, out);
  if (!partial.empty()) PrintLogLineAsJson(partial);
  std::cout.flush();
  if (!st.ok()) inv.exit_code = ReportError(st);
}

// Prints a command's message, or reports its error. As JSON: `command` and the message.
void Finish(Invocation& inv, const Result<std::string>& message, nlohmann::json command) {
  if (!message.ok()) return void(inv.exit_code = ReportError(message.status()));
  if (inv.flags.output == "json") {
    command["message"] = *message;
    return PrintJson(command);
  }
  std::cout << *message << std::endl;
}

// `tasks clear` (scope.task set) and `runs clear` (the whole run).
void Clear(Invocation& inv, const std::string& dag, const std::string& run,
           const ClearScope& scope) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  nlohmann::json command = {{"dag", dag}, {"run_id", run}};
  if (scope.task.empty()) {
    command["only_failed"] = scope.only_failed;
  } else {
    command["task"] = scope.task;
    command["downstream"] = scope.downstream;
    command["upstream"] = scope.upstream;
  }
  Finish(inv, control::Clear(session->ctx(), dag, run, scope), command);
}

void Cancel(Invocation& inv, const std::string& dag, const std::string& run) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  Finish(inv, control::CancelRun(session->ctx(), dag, run), {{"dag", dag}, {"run_id", run}});
}

void Mark(Invocation& inv, const std::string& dag, const std::string& run, const std::string& task,
          const std::string& state) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  Finish(inv, control::Mark(session->ctx(), dag, run, task, *ParseTaskState(state)),
         {{"dag", dag}, {"run_id", run}, {"task", task}, {"state", state}});
}

void Kill(Invocation& inv, const std::string& dag, const std::string& run,
          const std::string& task) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  Finish(inv, control::Kill(session->ctx(), dag, run, task),
         {{"dag", dag}, {"run_id", run}, {"task", task}});
}

}  // namespace

void AddRunsCommands(CLI::App& app, Invocation& inv) {
  auto* runs = app.add_subcommand("runs", "DAG runs");
  runs->require_subcommand(1);
  static control::RunListQuery query;
  auto* list = runs->add_subcommand("list", "Runs, newest first");
  list->add_option("--dag", query.dag, "only this DAG");
  list->add_option("--state", query.state, "queued, running, success or failed");
  list->add_option("--since", query.since,
                   "logical date at or after: 2025-03-04, 2025-03-04T05:06:07Z (UTC), or back "
                   "from now: 30m, 2h, 3d");
  list->add_option("--limit", query.limit, "at most N runs (the newest)")
      ->check(CLI::PositiveNumber);
  AddOutputFlag(list, inv);
  list->callback([&inv] { ListRuns(inv, query); });

  static std::string dag, run;
  static bool only_failed = false;
  auto* clear = runs->add_subcommand("clear", "Run a run's tasks again (or only its failed ones)");
  clear->add_option("dag", dag, "DAG id")->required();
  clear->add_option("run", run, "run id (see runs list)")->required();
  clear->add_flag("--only-failed", only_failed,
                  "only the tasks that failed or whose upstream failed");
  AddOutputFlag(clear, inv);
  clear->callback([&inv] { Clear(inv, dag, run, ClearScope{.only_failed = only_failed}); });

  auto* cancel = runs->add_subcommand(
      "cancel", "Stop a run: its running tasks are killed, the rest never start; it ends failed");
  cancel->add_option("dag", dag, "DAG id")->required();
  cancel->add_option("run", run, "run id (see runs list)")->required();
  AddOutputFlag(cancel, inv);
  cancel->callback([&inv] { Cancel(inv, dag, run); });
}

void AddTasksCommands(CLI::App& app, Invocation& inv) {
  auto* tasks = app.add_subcommand("tasks", "Task instances of a run");
  tasks->require_subcommand(1);
  static std::string dag, run, task, state;
  static int try_number = 0;
  static bool downstream = false;
  static bool upstream = false;
  auto* list = tasks->add_subcommand("list", "The tasks of a run and their states");
  list->add_option("dag", dag, "DAG id")->required();
  list->add_option("run", run, "run id (see runs list)")->required();
  AddOutputFlag(list, inv);
  list->callback([&inv] { ListTasks(inv, dag, run); });

  auto* logs = tasks->add_subcommand("logs", "The log of a task's attempt (default: the last)");
  logs->add_option("dag", dag, "DAG id")->required();
  logs->add_option("run", run, "run id (see runs list)")->required();
  logs->add_option("task", task, "task id")->required();
  logs->add_option("--try", try_number, "attempt number, 1-based")->check(CLI::PositiveNumber);
  static control::TaskLogRequest log_request;
  logs->add_option("--tail", log_request.tail, "only the last N lines (N >= 1)")
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            const bool digits = !value.empty() && value.size() <= 9 &&
                                value.find_first_not_of("0123456789") == std::string::npos;
            if (digits && std::stoi(value) >= 1) return "";
            return "expected a number of lines, 1 to 999999999, got '" + value + "'";
          },
          "N"));
  logs->add_flag("--follow,-f", log_request.follow,
                 "keep printing new lines until the attempt ends (waits for a first attempt)");
  logs->add_flag("--raw", log_request.raw,
                 "the bytes as the task wrote them, control characters not escaped");
  AddOutputFlag(logs, inv);
  logs->callback([&inv] {
    log_request.dag_id = dag;
    log_request.run_id = run;
    log_request.task_id = task;
    log_request.try_number = try_number;
    Logs(inv, log_request);
  });

  auto* clear = tasks->add_subcommand("clear",
                                      "Run a task again (with --downstream and --upstream, "
                                      "the tasks after and before it too)");
  clear->add_option("dag", dag, "DAG id")->required();
  clear->add_option("run", run, "run id (see runs list)")->required();
  clear->add_option("task", task, "task id")->required();
  clear->add_flag("--downstream", downstream, "also clear every task downstream of it");
  clear->add_flag("--upstream", upstream, "also clear every task upstream of it");
  AddOutputFlag(clear, inv);
  clear->callback([&inv] {
    Clear(inv, dag, run, ClearScope{.task = task, .downstream = downstream, .upstream = upstream});
  });

  auto* mark = tasks->add_subcommand("mark", "Set a task's state to success or failed by hand");
  mark->add_option("dag", dag, "DAG id")->required();
  mark->add_option("run", run, "run id (see runs list)")->required();
  mark->add_option("task", task, "task id")->required();
  mark->add_option("--state", state, "success or failed")
      ->required()
      ->check(CLI::IsMember({"success", "failed"}));
  AddOutputFlag(mark, inv);
  mark->callback([&inv] { Mark(inv, dag, run, task, state); });

  auto* why = tasks->add_subcommand("why", "What holds a task back, or what it is doing");
  why->add_option("dag", dag)->required();
  why->add_option("run", run)->required();
  why->add_option("task", task)->required();
  AddOutputFlag(why, inv);
  why->callback([&inv] { Why(inv, dag, run, task); });

  auto* kill = tasks->add_subcommand("kill", "Stop a running task; it ends failed, not retried");
  kill->add_option("dag", dag, "DAG id")->required();
  kill->add_option("run", run, "run id (see runs list)")->required();
  kill->add_option("task", task, "task id")->required();
  AddOutputFlag(kill, inv);
  kill->callback([&inv] { Kill(inv, dag, run, task); });
}

}  // namespace sluice::cli
