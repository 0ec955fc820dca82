#pragma once
// The OpenAPI 3 document of the API (generated from openapi.py at build time), served at
// GET /api/v1/openapi.json.
#include <string_view>

namespace sluice::api {

std::string_view OpenApiDocument();

}  // namespace sluice::api
