#pragma once
// The delivery worker: sends pending alert deliveries, beside the scheduler's loop, on its own
// thread and its own store connection, so a notifier that is slow or down never blocks or
// slows scheduling. Each send is recorded (time, outcome, HTTP status or error); a failed one is
// tried again with back-off (backoff.h) until it is delivered or an hour has passed since the
// event (then failed). Deliveries are rows in the store, so a restarted scheduler resumes the
// pending ones. A delivery naming a notifier that sluice.yaml does not define fails at once with
// that reason (no retry: the name will not appear by itself).

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "notify/backoff.h"
#include "notify/notifier.h"
#include "notify/sender.h"
#include "sluice/store.h"

namespace sluice::notify {

struct DeliveryWorkerOptions {
  BackoffPolicy backoff;
  int batch = 50;                                           // deliveries read per step
  Duration poll_interval = std::chrono::milliseconds(500);  // DeliveryThread: between steps
  bool log = true;  // one line per send (info when delivered, warning when not)
};

class DeliveryWorker {
 public:
  // Borrows `store` and `sender`; both outlive the worker. Not thread-safe: one thread steps it.
  DeliveryWorker(Store& store, Sender& sender, Notifiers notifiers, DeliveryWorkerOptions options);

  // Sends every delivery due at `now` (up to options.batch) and records each attempt at `now`.
  // Returns how many were sent (delivered or not). An error only when the store failed.
  Result<int> Step(TimePoint now);

 private:
  Store& store_;
  Sender& sender_;
  Notifiers notifiers_;
  DeliveryWorkerOptions options_;
};

// A DeliveryWorker on a thread of its own ("sluice-alerts"), stepping every poll_interval by
// `clock` until destroyed. Owns its store connection. A store error is logged and tried again.
class DeliveryThread {
 public:
  DeliveryThread(std::unique_ptr<Store> store, std::unique_ptr<Sender> sender, Notifiers notifiers,
                 DeliveryWorkerOptions options, Clock& clock);
  // Stops the thread, waiting for the send in flight (at most a notifier's timeout).
  ~DeliveryThread();
  DeliveryThread(const DeliveryThread&) = delete;
  DeliveryThread& operator=(const DeliveryThread&) = delete;

 private:
  void Loop();

  std::unique_ptr<Store> store_;
  std::unique_ptr<Sender> sender_;
  Duration poll_interval_;
  Clock& clock_;
  DeliveryWorker worker_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace sluice::notify
