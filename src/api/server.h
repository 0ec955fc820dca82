#pragma once
// The HTTP server of `sluice api` and `sluice standalone`: the routes of route.h behind one
// gate that authenticates, checks the role and the CSRF token, and answers errors as JSON
// (api_error.h). Requests run on a pool of threads, each with a store connection of its own
// (store_pool.h); nothing a request does waits on the scheduler's loop.
#include <atomic>
#include <memory>
#include <string>

#include "api/fair_slots.h"
#include "api/listen_address.h"
#include "api/login_limiter.h"
#include "api/route.h"
#include "api/store_pool.h"
#include "control/config.h"
#include "sluice/clock.h"

namespace sluice {
class SchedulerStats;
}

namespace sluice::api {

struct ServerOptions {
  ListenAddress listen{"127.0.0.1", 8080};
  int threads = 64;     // connections served at once (a followed log holds one)
  int worker_nice = 0;  // the request threads' nice(1) value (standalone: 10)
  // GETs computed at once; the others wait their turn (not runnable, so not competing with
  // the scheduler for the CPU). 0: the machine's cores. Changes (POST...) are not counted:
  // they mostly wait for the scheduler's answer.
  int max_concurrent_reads = 0;
  size_t max_body_bytes = 1 << 20;  // larger bodies: 413
  std::string version;              // `GET /api/v1/version`
  Duration session_ttl = std::chrono::hours(12);
  // The scheduler's own figures for /metrics when it runs in this process (standalone); null
  // in `sluice api`, whose /metrics then has only what the store holds.
  const SchedulerStats* scheduler_stats = nullptr;
};

// What the handlers share. Borrowed members outlive the server.
class ServerState {
 public:
  ServerState(const control::Config& config_in, const Clock& clock_in, StorePool::Opener open_store,
              ServerOptions options_in)
      : config(config_in),
        clock(clock_in),
        stores(std::move(open_store)),
        options(std::move(options_in)),
        reads(ReadSlots(options)) {}
  const control::Config& config;
  const Clock& clock;
  StorePool stores;
  ServerOptions options;
  LoginLimiter logins;
  // Followed logs open now: each holds a thread, so at most half the threads may.
  std::atomic<int> streams{0};
  FairSlots reads;  // see ServerOptions::max_concurrent_reads

 private:
  static int ReadSlots(const ServerOptions& o);
};

class ApiServer {
 public:
  // Binds the address (so a port in use is an error here, not later) and serves on a thread
  // of its own until Stop(). Errors (kIoError): "cannot listen on HOST:PORT: ...".
  static Result<std::unique_ptr<ApiServer>> Start(const control::Config& config, const Clock& clock,
                                                  StorePool::Opener open_store,
                                                  ServerOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  int port() const;         // the bound port (the chosen one when 0 was asked)
  std::string url() const;  // "http://127.0.0.1:PORT"
  ServerState& state();
  void Stop();  // stops accepting, waits for the serving thread

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::api
