#include "api/login_limiter.h"

#include <algorithm>
#include <iterator>

namespace sluice::api {

void LoginLimiter::Trim(Failures& failures, TimePoint now, Duration window) {
  while (!failures.empty() && failures.front() + window <= now) failures.pop_front();
}

int LoginLimiter::WaitSeconds(const Failures& failures, int limit, TimePoint now) const {
  // Failures in the window, oldest first: the login is free again once only limit - 1 remain,
  // that is when the (size - limit + 1)-th oldest leaves the window.
  int in_window = 0;
  for (TimePoint t : failures) in_window += t + limits_.window > now ? 1 : 0;
  if (in_window < limit) return 0;
  const TimePoint frees = failures[failures.size() - static_cast<size_t>(limit)] + limits_.window;
  const auto wait = std::chrono::ceil<std::chrono::seconds>(frees - now).count();
  return static_cast<int>(std::max<int64_t>(1, wait));
}

Status LoginLimiter::Check(const std::string& user, const std::string& address, TimePoint now,
                           int* retry_after) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = by_user_.find(user); it != by_user_.end()) {
    if (int wait = WaitSeconds(it->second, limits_.per_user, now); wait > 0) {
      *retry_after = wait;
      return Status::TooMany("too many failed logins for user '" + user + "'; try again in " +
                             std::to_string(wait) + " s");
    }
  }
  if (auto it = by_address_.find(address); it != by_address_.end()) {
    if (int wait = WaitSeconds(it->second, limits_.per_address, now); wait > 0) {
      *retry_after = wait;
      return Status::TooMany("too many failed logins from " + address + "; try again in " +
                             std::to_string(wait) + " s");
    }
  }
  return Status::Ok();
}

void LoginLimiter::RecordFailure(const std::string& user, const std::string& address,
                                 TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  Failures& u = by_user_[user];
  Trim(u, now, limits_.window);
  u.push_back(now);
  Failures& a = by_address_[address];
  Trim(a, now, limits_.window);
  a.push_back(now);
  // Names that never log in would otherwise pile up: drop those whose failures all expired.
  if (by_user_.size() > 10000) DropExpired(by_user_, now, limits_.window);
  if (by_address_.size() > 10000) DropExpired(by_address_, now, limits_.window);
}

void LoginLimiter::DropExpired(std::map<std::string, Failures>& failures, TimePoint now,
                               Duration window) {
  for (auto it = failures.begin(); it != failures.end();) {
    Trim(it->second, now, window);
    it = it->second.empty() ? failures.erase(it) : std::next(it);
  }
}

void LoginLimiter::RecordSuccess(const std::string& user) {
  std::lock_guard<std::mutex> lock(mu_);
  by_user_.erase(user);
}

}  // namespace sluice::api
