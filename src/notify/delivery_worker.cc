#include "notify/delivery_worker.h"

#include <pthread.h>

#include "time/time_format.h"
#include "util/log.h"
#include "util/strings.h"

namespace sluice::notify {
namespace {

std::string Names(const Notifiers& notifiers) {
  std::vector<std::string> names;
  for (const auto& [name, spec] : notifiers) names.push_back(name);
  return names.empty() ? std::string("none") : Join(names, ", ");
}

std::string Describe(const DeliveryRecord& d) {
  std::string s =
      "alert " + std::to_string(d.id) + " (" + d.event + " of " + d.dag_id + "/" + d.run_id;
  if (!d.task_id.empty()) s += "/" + d.task_id;
  return s + ") to " + d.notifier;
}

}  // namespace

DeliveryWorker::DeliveryWorker(Store& store, Sender& sender, Notifiers notifiers,
                               DeliveryWorkerOptions options)
    : store_(store), sender_(sender), notifiers_(std::move(notifiers)), options_(options) {}

Result<int> DeliveryWorker::Step(TimePoint now) {
  SLUICE_ASSIGN_OR_RETURN(auto due, store_.DueDeliveries(now, options_.batch));
  int sent = 0;
  for (const DeliveryRecord& d : due) {
    DeliveryAttemptRecord attempt;
    attempt.delivery_id = d.id;
    attempt.number = d.attempts + 1;
    attempt.time = now;
    DeliveryState state = DeliveryState::kFailed;
    std::optional<TimePoint> next;
    auto notifier = notifiers_.find(d.notifier);
    if (notifier == notifiers_.end()) {
      attempt.error =
          "notifier '" + d.notifier +
          "' is not defined under notifiers: in sluice.yaml (defined: " + Names(notifiers_) + ")";
    } else {
      SendOutcome outcome = sender_.Send(notifier->second, d);
      attempt.ok = outcome.ok;
      attempt.http_status = outcome.http_status;
      attempt.error = outcome.ok ? "" : outcome.error;
      if (outcome.ok) {
        state = DeliveryState::kDelivered;
      } else {
        next = NextAttemptAt(options_.backoff, d.created, attempt.number, now);
        if (next) state = DeliveryState::kPending;
      }
    }
    Status st = store_.RecordDeliveryAttempt(attempt, state, next);
    // Someone else recorded it meanwhile (a second worker): theirs stands.
    if (st.code() == StatusCode::kConflict) continue;
    SLUICE_RETURN_IF_ERROR(st);
    ++sent;
    if (!options_.log) continue;
    if (state == DeliveryState::kDelivered) {
      SLUICE_LOG_INFO("{} delivered (attempt {})", Describe(d), attempt.number);
    } else if (state == DeliveryState::kPending) {
      SLUICE_LOG_WARN("{} not delivered (attempt {}): {}; next try at {}", Describe(d),
                      attempt.number, attempt.error, FormatIsoUtc(*next));
    } else {
      SLUICE_LOG_WARN("{} failed after {} attempt(s): {}", Describe(d), attempt.number,
                      attempt.error);
    }
  }
  return sent;
}

DeliveryThread::DeliveryThread(std::unique_ptr<Store> store, std::unique_ptr<Sender> sender,
                               Notifiers notifiers, DeliveryWorkerOptions options, Clock& clock)
    : store_(std::move(store)),
      sender_(std::move(sender)),
      poll_interval_(options.poll_interval),
      clock_(clock),
      worker_(*store_, *sender_, std::move(notifiers), options) {
  thread_ = std::thread([this] { Loop(); });
}

DeliveryThread::~DeliveryThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DeliveryThread::Loop() {
  pthread_setname_np(pthread_self(), "sluice-alerts");
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    auto sent = worker_.Step(clock_.Now());
    if (!sent.ok()) SLUICE_LOG_WARN("alerts: {}", sent.status().message());
    lock.lock();
    wake_.wait_for(lock, poll_interval_, [this] { return stop_; });
  }
}

}  // namespace sluice::notify
