#include "api/route.h"

#include <httplib.h>

#include <charconv>

namespace sluice::api {

const char* AccessName(Access access) {
  switch (access) {
    case Access::kPublic:
      return "public";
    case Access::kViewer:
      return "viewer";
    case Access::kOperator:
      return "operator";
    case Access::kAdmin:
      return "admin";
  }
  return "?";
}

const std::string& ApiRequest::Param(const std::string& name) const {
  static const std::string kNone;
  auto it = params.find(name);
  return it == params.end() ? kNone : it->second;
}

std::optional<std::string> ApiRequest::Query(const std::string& name) const {
  if (!http.has_param(name)) return std::nullopt;
  return http.get_param_value(name);
}

Result<int64_t> ApiRequest::QueryInt(const std::string& name, int64_t fallback, int64_t min,
                                     int64_t max) const {
  auto text = Query(name);
  if (!text) return fallback;
  int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || value < min || value > max) {
    return Status::Invalid("invalid " + name + " '" + *text + "' (use a whole number from " +
                           std::to_string(min) + " to " + std::to_string(max) + ")");
  }
  return value;
}

Result<nlohmann::json> ApiRequest::JsonBody() const {
  if (http.body.empty()) return nlohmann::json::object();
  auto body = nlohmann::json::parse(http.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Status::Invalid("the body is not valid JSON");
  if (!body.is_object()) return Status::Invalid("the body must be a JSON object");
  return body;
}

Status OnlyFields(const nlohmann::json& body, std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : body.items()) {
    bool known = false;
    std::string names;
    for (const char* a : allowed) {
      known = known || key == a;
      names += (names.empty() ? "" : ", ") + std::string(a);
    }
    if (!known) {
      return Status::Invalid("unknown field '" + key + "' in the body" +
                             (names.empty() ? " (it takes none)" : " (use " + names + ")"));
    }
  }
  return Status::Ok();
}

Result<bool> BoolField(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end()) return false;
  if (!it->is_boolean()) return Status::Invalid(std::string(name) + " must be true or false");
  return it->get<bool>();
}

ApiResponse ApiResponse::Json(const nlohmann::json& value, int status) {
  ApiResponse r;
  r.status = status;
  r.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

ApiResponse ApiResponse::NoContent() {
  ApiResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace sluice::api
