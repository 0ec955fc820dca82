#pragma once
// The small JSON path the http sensor reads: `$`, then any number of `.key` steps (key: letters,
// digits, `_` and `-`) and `[index]` steps (a non-negative integer): `$.items[0].state`. No
// wildcards, filters or quoted keys: a sensor looks at one value.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sluice/status.h"

namespace sluice {

using JsonPathStep = std::variant<std::string, size_t>;  // a key, or an index

// The steps of `path`. InvalidArgument naming the problem, e.g.
// "expected '.key' or '[index]' at column 3".
Result<std::vector<JsonPathStep>> ParseJsonPath(std::string_view path);

// The value `steps` lead to in `doc`; nullptr when a step is missing.
const nlohmann::json* FollowJsonPath(const nlohmann::json& doc,
                                     const std::vector<JsonPathStep>& steps);

}  // namespace sluice
