#pragma once
// Store connections for the server's threads. A Store is used by one thread at a time
// (sluice/store.h), and SQLite in WAL mode lets many readers run beside the scheduler's
// writer, so each request borrows a connection of its own and gives it back after. Connections
// are opened on demand and kept: at most as many as requests ever ran at once.
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "sluice/store.h"

namespace sluice::api {

class StorePool {
 public:
  using Opener = std::function<Result<std::unique_ptr<Store>>()>;
  explicit StorePool(Opener open) : open_(std::move(open)) {}

  // A borrowed connection, given back when the lease is destroyed.
  class Lease {
   public:
    Lease(StorePool* pool, std::unique_ptr<Store> store) : pool_(pool), store_(std::move(store)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Store& store() { return *store_; }

   private:
    StorePool* pool_;
    std::unique_ptr<Store> store_;
  };

  // An idle connection, or a new one. Errors: the opener's.
  Result<Lease> Borrow();
  size_t opened() const;

 private:
  void GiveBack(std::unique_ptr<Store> store);

  Opener open_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Store>> idle_;
  size_t opened_ = 0;
};

}  // namespace sluice::api
