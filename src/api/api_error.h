#pragma once
// How the API reports an error: an HTTP status and a JSON body
//   {"error": {"code": "not_found", "message": "no dag 'x' in /srv/dags"}}
// whose `code` is stable (clients and tests branch on it) and whose message is the library's,
// worded for a person. One mapping from the library's StatusCode, so every handler answers the
// same way.
#include <string>

#include "sluice/status.h"

namespace sluice::api {

struct ApiError {
  int http_status = 500;
  std::string code;  // "invalid_argument", "not_found", "unauthenticated", ...
  std::string message;
};

// The HTTP status and stable code of a failed Status: invalid_argument 400, unauthenticated 401,
// permission_denied 403, not_found 404, conflict and failed_precondition 409, too_many_requests
// 429, no_space 507, io_error / corrupt / internal 500.
ApiError ErrorFor(const Status& status);

// The JSON body of an error, as text.
std::string ErrorBody(const ApiError& error);

}  // namespace sluice::api
