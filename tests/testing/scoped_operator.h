#pragma once
// A test's own task kind, registered for the life of this object and forgotten after it, so the
// tests that follow in the same binary see only the built-in kinds and their messages.

#include <memory>
#include <string>
#include <utility>

#include "core/operator_registry.h"
#include "sluice/operator.h"

namespace sluice {

class ScopedOperator {
 public:
  ScopedOperator(std::string kind, std::unique_ptr<const Operator> op) : kind_(std::move(kind)) {
    status_ = RegisterOperator(kind_, std::move(op));
  }
  ~ScopedOperator() {
    if (status_.ok()) UnregisterOperator(kind_);
  }
  ScopedOperator(const ScopedOperator&) = delete;
  ScopedOperator& operator=(const ScopedOperator&) = delete;
  // Whether the registration worked (a test should ASSERT it).
  const Status& status() const { return status_; }

 private:
  std::string kind_;
  Status status_;
};

}  // namespace sluice
