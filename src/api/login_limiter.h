#pragma once
// Failed logins, limited per user name and per client address, so a password cannot be
// guessed by trying many: after `per_user` failures within `window` for one name, or
// `per_address` from one address, logins for it are refused (429) until the oldest of those
// failures leaves the window, even with the right password. Kept in memory: a restart forgets
// (an attacker gains a few more tries per restart, which the operator would notice).
// Thread-safe.
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "sluice/clock.h"
#include "sluice/status.h"

namespace sluice::api {

struct LoginLimits {
  int per_user = 5;
  int per_address = 20;
  Duration window = std::chrono::minutes(15);
};

class LoginLimiter {
 public:
  explicit LoginLimiter(LoginLimits limits = {}) : limits_(limits) {}
  // OK when a login for `user` from `address` may be tried now; else kTooManyRequests
  // "too many failed logins for user 'U'; try again in N s" (or "from ADDRESS"), and
  // `retry_after` is set to the seconds to wait.
  Status Check(const std::string& user, const std::string& address, TimePoint now,
               int* retry_after) const;
  void RecordFailure(const std::string& user, const std::string& address, TimePoint now);
  // A successful login clears the user's failures (not the address's).
  void RecordSuccess(const std::string& user);

 private:
  using Failures = std::deque<TimePoint>;
  static void Trim(Failures& failures, TimePoint now, Duration window);
  static void DropExpired(std::map<std::string, Failures>& failures, TimePoint now,
                          Duration window);
  // Seconds until `failures` drops below `limit` within the window; 0 when it is below now.
  int WaitSeconds(const Failures& failures, int limit, TimePoint now) const;

  LoginLimits limits_;
  mutable std::mutex mu_;
  std::map<std::string, Failures> by_user_;
  std::map<std::string, Failures> by_address_;
};

}  // namespace sluice::api
