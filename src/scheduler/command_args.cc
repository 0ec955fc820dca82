#include "scheduler/command_args.h"

#include <nlohmann/json.hpp>

namespace sluice {

CommandArgs CommandArgs::Parse(const std::string& args_json) {
  CommandArgs out;
  auto args = nlohmann::json::parse(args_json, nullptr, /*allow_exceptions=*/false);
  if (!args.is_object()) return out;
  auto str = [&](const char* key, std::string* field) {
    auto it = args.find(key);
    if (it != args.end() && it->is_string()) *field = it->get<std::string>();
  };
  str("dag", &out.dag);
  str("run", &out.run);
  str("task", &out.task);
  str("state", &out.state);
  auto flag = [&](const char* key, bool* field) {
    auto it = args.find(key);
    *field = it != args.end() && it->is_boolean() && it->get<bool>();
  };
  flag("downstream", &out.downstream);
  flag("upstream", &out.upstream);
  flag("only_failed", &out.only_failed);
  return out;
}

}  // namespace sluice
