#include "api/api_error.h"

#include <nlohmann/json.hpp>

namespace sluice::api {

ApiError ErrorFor(const Status& status) {
  ApiError e;
  e.message = status.message();
  switch (status.code()) {
    case StatusCode::kOk:  // not an error; a handler that reports one has a bug
    case StatusCode::kInternal:
      e = {500, "internal", status.message()};
      break;
    case StatusCode::kInvalidArgument:
      e = {400, "invalid_argument", status.message()};
      break;
    case StatusCode::kUnauthenticated:
      e = {401, "unauthenticated", status.message()};
      break;
    case StatusCode::kPermissionDenied:
      e = {403, "permission_denied", status.message()};
      break;
    case StatusCode::kNotFound:
      e = {404, "not_found", status.message()};
      break;
    case StatusCode::kConflict:
      e = {409, "conflict", status.message()};
      break;
    case StatusCode::kFailedPrecondition:
      e = {409, "failed_precondition", status.message()};
      break;
    case StatusCode::kTooManyRequests:
      e = {429, "too_many_requests", status.message()};
      break;
    case StatusCode::kNoSpace:
      e = {507, "no_space", status.message()};
      break;
    case StatusCode::kIoError:
      e = {500, "io_error", status.message()};
      break;
    case StatusCode::kCorrupt:
      e = {500, "corrupt", status.message()};
      break;
  }
  return e;
}

std::string ErrorBody(const ApiError& error) {
  nlohmann::json body = {{"error", {{"code", error.code}, {"message", error.message}}}};
  // Invalid UTF-8 from a path or a file name is replaced rather than thrown on.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sluice::api
