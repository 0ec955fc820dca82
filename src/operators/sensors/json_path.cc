#include "operators/sensors/json_path.h"

#include <cctype>

namespace sluice {

Result<std::vector<JsonPathStep>> ParseJsonPath(std::string_view path) {
  if (path.empty() || path[0] != '$') return Status::Invalid("must start with '$'");
  std::vector<JsonPathStep> steps;
  size_t i = 1;
  auto at = [&](size_t pos) { return " at column " + std::to_string(pos + 1); };
  while (i < path.size()) {
    if (path[i] == '.') {
      const size_t begin = ++i;
      while (i < path.size() && (std::isalnum(static_cast<unsigned char>(path[i])) ||
                                 path[i] == '_' || path[i] == '-')) {
        ++i;
      }
      if (i == begin) return Status::Invalid("expected a key after '.'" + at(begin));
      steps.emplace_back(std::string(path.substr(begin, i - begin)));
    } else if (path[i] == '[') {
      const size_t begin = ++i;
      while (i < path.size() && std::isdigit(static_cast<unsigned char>(path[i]))) ++i;
      if (i == begin || i - begin > 9 || i >= path.size() || path[i] != ']') {
        return Status::Invalid("expected '[INDEX]' with a number" + at(begin - 1));
      }
      steps.emplace_back(
          static_cast<size_t>(std::stoul(std::string(path.substr(begin, i - begin)))));
      ++i;
    } else {
      return Status::Invalid("expected '.key' or '[index]'" + at(i));
    }
  }
  return steps;
}

const nlohmann::json* FollowJsonPath(const nlohmann::json& doc,
                                     const std::vector<JsonPathStep>& steps) {
  const nlohmann::json* at = &doc;
  for (const JsonPathStep& step : steps) {
    if (const std::string* key = std::get_if<std::string>(&step)) {
      if (!at->is_object()) return nullptr;
      auto it = at->find(*key);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else {
      const size_t index = std::get<size_t>(step);
      if (!at->is_array() || index >= at->size()) return nullptr;
      at = &(*at)[index];
    }
  }
  return at;
}

}  // namespace sluice
