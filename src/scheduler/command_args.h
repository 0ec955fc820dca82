#pragma once
// The arguments of a command from the CLI (CommandRecord::args_json), as the driver (to read
// what the command needs from the store) and the planner (to carry it out) both use them.

#include <string>

namespace sluice {

struct CommandArgs {
  std::string dag;
  std::string run;
  std::string task;
  std::string state;         // mark: success or failed
  bool downstream = false;   // clear: the task's downstream tasks too
  bool upstream = false;     // clear: the task's upstream tasks too
  bool only_failed = false;  // clear of a whole run (task empty): its failed tasks only

  // Reads the JSON object; a missing or mistyped field stays empty (the command then fails on
  // an unknown DAG, run or task, with that name in its message).
  static CommandArgs Parse(const std::string& args_json);
};

}  // namespace sluice
