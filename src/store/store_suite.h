#pragma once
// The Store conformance suite: every backend runs the same tests through a factory, so the
// PostgreSQL store plugs in with one INSTANTIATE_TEST_SUITE_P (see sqlite/sqlite_store_test.cc).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "sluice/store.h"
#include "tests/testing/temp_dir.h"

namespace sluice {

struct StoreBackend {
  std::string name;  // the test-name suffix: "sqlite"
  // Opens (creating if needed) the backend's database kept in `dir`, without migrating it.
  // Called again with the same `dir`, it opens a second connection to the same database.
  std::function<Result<std::unique_ptr<Store>>(const std::string& dir)> open;
};

inline void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }

inline ::testing::AssertionResult IsOk(const Status& st) {
  if (st.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << st.message();
}
template <typename T>
::testing::AssertionResult IsOk(const Result<T>& r) {
  return IsOk(r.status());
}

// The value of `r`, or a test failure and T{} so that the test goes on to report more.
template <typename T>
T Must(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return T{};
  return std::move(r).value();
}

// 2025-01-02T00:00:00Z plus `us` microseconds: a real date, with sub-second precision.
inline TimePoint Jan2(int64_t us = 0) {
  return TimePoint(std::chrono::seconds(1735776000)) + Duration(us);
}
constexpr int64_t kHourUs = 3'600'000'000;

class StoreSuite : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    store_ = OpenUnmigrated();
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(IsOk(store_->Migrate()));
  }

  // Another connection to the test's database, as a second process would open it.
  std::unique_ptr<Store> OpenUnmigrated() {
    auto store = GetParam().open(dir_.path());
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  Status Apply(const WriteBatch& batch) { return store_->Apply(batch); }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

// Records with every field set to a value distinct from its default.
DagRecord FullDag(const std::string& dag_id);
RunRecord FullRun(const std::string& dag_id, const std::string& run_id, TimePoint logical_date);
TaskInstanceRecord FullTaskInstance(const std::string& dag_id, const std::string& run_id,
                                    const std::string& task_id);
AttemptRecord FullAttempt(const std::string& dag_id, const std::string& run_id,
                          const std::string& task_id, int try_number);
EventRecord Event(const std::string& kind, const std::string& detail);
// A task instance for each task that `attempts` name, in their order (an attempt is stored
// under its task instance, which must exist).
std::vector<TaskInstanceRecord> TaskInstancesOf(const std::vector<AttemptRecord>& attempts);

}  // namespace sluice
