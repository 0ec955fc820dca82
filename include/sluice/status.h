#pragma once
// Errors as values. Sluice's core throws nothing: every fallible call returns a Status or a
// Result<T>. A message names the object and, where it can, the fix; system errors carry the
// call and the errno text, e.g. `open("/x/y.log"): Permission denied`.

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sluice {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad input from a user: a file, a flag, a request (exit code 2)
  kNotFound,            // a named thing does not exist (exit code 2 at the CLI)
  kFailedPrecondition,  // the request is valid but the state does not allow it
  kIoError,             // the operating system or the store refused
  kInternal,            // a bug: an invariant did not hold
  kConflict,            // a conditional write found its row in another state than expected
  kNoSpace,             // the store's disk is full; nothing was written (exit code 3)
  kCorrupt,             // the store's file is damaged or not a database (exit code 4)
  kUnauthenticated,     // no credentials, or wrong ones (HTTP 401)
  kPermissionDenied,    // known user, but the role does not allow it (HTTP 403)
  kTooManyRequests,     // rate-limited, e.g. too many failed logins (HTTP 429)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status Precondition(std::string msg) {
    return {StatusCode::kFailedPrecondition, std::move(msg)};
  }
  static Status Io(std::string msg) { return {StatusCode::kIoError, std::move(msg)}; }
  static Status Conflict(std::string msg) { return {StatusCode::kConflict, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  static Status Unauthenticated(std::string msg) {
    return {StatusCode::kUnauthenticated, std::move(msg)};
  }
  static Status Denied(std::string msg) { return {StatusCode::kPermissionDenied, std::move(msg)}; }
  static Status TooMany(std::string msg) { return {StatusCode::kTooManyRequests, std::move(msg)}; }
  // Both carry a message complete for the user (what, where, the fix): WithContext keeps it.
  static Status NoSpace(std::string msg) { return {StatusCode::kNoSpace, std::move(msg)}; }
  static Status Corrupt(std::string msg) { return {StatusCode::kCorrupt, std::move(msg)}; }
  // `call` failed with the current errno, e.g. Errno("open(\"/x\")").
  static Status Errno(const std::string& call);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is `prefix + ": " + message()`; kNoSpace and kCorrupt are
  // returned as they are, their message already names the database and the fix.
  Status WithContext(const std::string& prefix) const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  // By value, so `for (auto& x : *MakeResult())` owns what it iterates instead of dangling.
  T value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sluice

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)

// The IMPL macros take names (and `lhs`, a declaration such as `auto x`), which parentheses
// would break.
// NOLINTBEGIN(bugprone-macro-parentheses)

// Returns the Status of `expr` from the enclosing function if it is not ok.
#define SLUICE_RETURN_IF_ERROR(expr) \
  SLUICE_RETURN_IF_ERROR_IMPL(SLUICE_CONCAT(sluice_st_, __LINE__), expr)
#define SLUICE_RETURN_IF_ERROR_IMPL(st, expr) \
  do {                                        \
    ::sluice::Status st = (expr);             \
    if (!st.ok()) return st;                  \
  } while (0)

// `lhs = value of expr`, or returns its Status from the enclosing function.
#define SLUICE_ASSIGN_OR_RETURN(lhs, expr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL(SLUICE_CONCAT(sluice_res_, __LINE__), lhs, expr)
#define SLUICE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
