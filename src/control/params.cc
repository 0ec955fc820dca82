#include "control/params.h"

#include <nlohmann/json.hpp>

#include "util/strings.h"

namespace sluice::control {

Result<std::string> ParamsJson(const DagSpec& dag, const std::vector<std::string>& assignments) {
  nlohmann::json out = nlohmann::json::object();
  std::vector<std::string> declared;
  declared.reserve(dag.params.size());
  for (const auto& [name, value] : dag.params) declared.push_back(name);
  for (const auto& p : assignments) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Invalid("--param expects NAME=VALUE, got '" + p + "'");
    }
    const std::string name = p.substr(0, eq);
    if (!dag.params.count(name)) {
      const std::string hint = ClosestMatch(name, declared);
      return Status::Invalid(
          "dag '" + dag.id + "' has no param '" + name + "'" +
          (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
          (declared.empty() ? "; it declares none" : "; declared: " + Join(declared, ", ")));
    }
    out[name] = p.substr(eq + 1);
  }
  return out.dump();
}

}  // namespace sluice::control
