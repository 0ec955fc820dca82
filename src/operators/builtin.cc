#include "operators/builtin.h"

#include <mutex>

namespace sluice {

Status RegisterBuiltinOperators() {
  static std::once_flag once;
  static Status status;
  std::call_once(once, [] {
    // In this order: messages name the kinds in registration order ("add 'run' or 'exec'").
    status = RegisterOperator("run", MakeRunOperator());
    if (status.ok()) status = RegisterOperator("exec", MakeExecOperator());
  });
  return status;
}

}  // namespace sluice
