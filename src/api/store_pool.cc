#include "api/store_pool.h"

namespace sluice::api {

StorePool::Lease::~Lease() {
  if (store_) pool_->GiveBack(std::move(store_));
}

Result<StorePool::Lease> StorePool::Borrow() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Store> store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(store));
    }
  }
  // Opened outside the lock: opening a database takes a while and others may give one back.
  auto store = open_();
  if (!store.ok()) return store.status();
  std::lock_guard<std::mutex> lock(mu_);
  ++opened_;
  return Lease(this, std::move(*store));
}

size_t StorePool::opened() const {
  std::lock_guard<std::mutex> lock(mu_);
  return opened_;
}

void StorePool::GiveBack(std::unique_ptr<Store> store) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(store));
}

}  // namespace sluice::api
