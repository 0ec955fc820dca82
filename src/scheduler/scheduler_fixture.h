#pragma once
// The fixture of the scheduler's simulated-time tests: a FakeClock and a simulated EventLoop, a
// FakeExecutor whose attempts take scripted durations, a StaticDagSource and an in-memory store
// (or SQLite), driven by the real Driver and Planner.

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "scheduler/driver.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_executor.h"
#include "tests/testing/memory_store.h"
#include "tests/testing/static_dag_source.h"
#include "tests/testing/temp_dir.h"
#include "time/time_format.h"

namespace sluice::testing {

// A task instance as tests compare it: its state name and its tries.
using State = std::pair<std::string, int>;

inline TimePoint T(const std::string& iso) { return *ParseTimePoint(iso, TimeZone::Utc()); }
inline std::string Iso(TimePoint t) { return FormatIsoUtc(t); }

class SchedulerTest : public ::testing::Test {
 protected:
  // The in-memory store by default; SLUICE_TEST_STORE=sqlite runs the same tests on a real
  // SQLite database (ctest runs them both ways: the `sqlite.` tests).
  void SetUp() override {
    const char* backend = std::getenv("SLUICE_TEST_STORE");
    if (backend != nullptr && std::string(backend) == "sqlite") {
      auto store = OpenSqliteStore(dir_.path() + "/sluice.db");
      ASSERT_TRUE(store.ok()) << store.status().message();
      store_ = std::move(*store);
    } else {
      store_ = std::make_unique<MemoryStore>();
    }
    ASSERT_TRUE(store_->Migrate().ok());
  }

  // Starts a scheduler; a second call "restarts" it: the old one is dropped as a crash would
  // (every turn already committed its transitions), the executor and its attempts live on.
  void StartScheduler(int parallelism = 2) {
    scheduler_.reset();
    DriverOptions options;
    options.planner.parallelism = parallelism;
    options.planner.logs_dir = dir_.path() + "/logs";
    // Simulated time: poll rarely so a year of schedules takes few turns.
    options.dag_poll_interval = std::chrono::hours(1);
    options.command_poll_interval = command_poll_interval_;
    if (pid_gone_) options.pid_gone = pid_gone_;
    options.log_retention = log_retention_;
    options.poke_inline = true;  // sensors poke on the driver thread: simulated time
    scheduler_ = std::make_unique<Driver>(options, *store_, executor_, *loop_, source_);
    Status st = scheduler_->Start();
    ASSERT_TRUE(st.ok()) << st.message();
  }

  // Turns until `until` (simulated) or until nothing is running and no timer is before it.
  void RunUntil(TimePoint until) {
    for (int turns = 0; turns < 1000000; ++turns) {
      if (clock_.Now() >= until) return;
      Duration left = until - clock_.Now();
      Status st = scheduler_->Turn(left);
      ASSERT_TRUE(st.ok()) << st.message();
    }
    FAIL() << "too many turns";
  }

  RunRecord OnlyRun(const std::string& dag) {
    RunFilter f;
    f.dag_id = dag;
    auto runs = store_->ListRuns(f);
    EXPECT_TRUE(runs.ok());
    EXPECT_EQ(runs->size(), 1u);
    return runs->empty() ? RunRecord() : runs->front();
  }

  std::map<std::string, State> TaskStates(const std::string& dag, const std::string& run) {
    std::map<std::string, State> out;
    for (const auto& ti : *store_->ListTaskInstances(dag, run)) {
      out[ti.task_id] = {TaskStateName(ti.state), ti.try_number};
    }
    return out;
  }

  // Launches as "task@ISO" in launch order.
  std::vector<std::string> Launches() {
    std::vector<std::string> out;
    for (size_t i = 0; i < executor_.launched().size(); ++i) {
      out.push_back(executor_.launched()[i].key.task_id + "@" + Iso(executor_.launch_times()[i]));
    }
    return out;
  }

  // Enqueues a command as the CLI does, turns until the scheduler has handled it, and returns
  // it as finished (state and result).
  CommandRecord SendCommand(const std::string& kind, const std::string& args_json) {
    CommandRecord c;
    c.created = clock_.Now();
    c.kind = kind;
    c.args_json = args_json;
    auto id = store_->EnqueueCommand(c);
    EXPECT_TRUE(id.ok()) << id.status().message();
    if (!id.ok()) return c;
    RunUntil(clock_.Now() + command_poll_interval_ + std::chrono::seconds(1));
    auto done = store_->GetCommand(*id);
    EXPECT_TRUE(done.ok() && done->has_value());
    return done.ok() && done->has_value() ? **done : c;
  }

  // SendCommand, which must succeed.
  void Command(const std::string& kind, const std::string& args_json) {
    CommandRecord done = SendCommand(kind, args_json);
    ASSERT_EQ(done.state, "done") << done.result;
  }

  // Pause or unpause as `sluice dags pause` does: the flag in the store, then a command.
  void SetPaused(const std::string& dag, bool paused) {
    WriteBatch b;
    b.set_paused.emplace_back(dag, paused);
    ASSERT_TRUE(store_->Apply(b).ok());
    Command(paused ? "pause" : "unpause", R"({"dag":")" + dag + R"("})");
  }

  std::vector<std::string> RunIds(const std::string& dag) {
    RunFilter f;
    f.dag_id = dag;
    std::vector<std::string> out;
    for (const auto& r : *store_->ListRuns(f)) out.push_back(r.run_id);
    return out;
  }

  Duration command_poll_interval_ = std::chrono::hours(1);
  std::function<bool(int64_t)> pid_gone_;  // the driver's pid check; unset: the real one
  std::optional<Duration> log_retention_;  // sluice.yaml log_retention; unset: logs are kept
  TempDir dir_;
  FakeClock clock_{T("2025-01-06T12:00:00Z")};
  std::unique_ptr<EventLoop> loop_ =
      std::move(EventLoop::CreateSimulated(clock_, [this](TimePoint t) { clock_.Set(t); })).value();
  FakeExecutor executor_{clock_, *loop_};
  StaticDagSource source_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Driver> scheduler_;
};

}  // namespace sluice::testing
