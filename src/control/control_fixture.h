#pragma once
// The fixture of control's tests: a home and a DAGs folder in a temp dir, a real SQLite store, a
// FakeClock; and a stand-in for a running scheduler (it holds the lock and answers one command
// from its own store connection), so no test needs a real scheduler.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "control/config.h"
#include "control/context.h"
#include "control/scheduler_lock.h"
#include "control/store_open.h"
#include "control/trigger.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace sluice::control {

// 2026-01-02T03:04:05Z
inline constexpr TimePoint kNow{std::chrono::seconds(1767323045)};

class ControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = LoadConfig({dir_.path() + "/home", dir_.path() + "/dags"}, {});
    ASSERT_TRUE(config.ok()) << config.status().message();
    config_ = *config;
    auto store = OpenStore(config_);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
  }

  Context ctx() { return {config_, *store_, clock_}; }
  std::string WriteDag(const std::string& name, const std::string& text) {
    return dir_.Write("dags/" + name, text);
  }

  // A manual run of `hello` (a -> b), queued.
  std::string TriggerHello() {
    WriteDag("hello.yaml",
             "dag: hello\ntasks:\n  a: {run: \"true\"}\n"
             "  b: {needs: [a], run: \"true\"}\n");
    auto run = Trigger(ctx(), "hello", {});
    EXPECT_TRUE(run.ok()) << run.status().message();
    return run.ok() ? run->run_id : "";
  }

  // Writes what a scheduler would have: task states (one attempt each for those that ran, still
  // running for `running`) and the run's state.
  void SetStates(const std::string& run_id, const std::map<std::string, TaskState>& states,
                 RunState run_state) {
    WriteBatch batch;
    auto tis = store_->ListTaskInstances("hello", run_id);
    ASSERT_TRUE(tis.ok());
    for (auto ti : *tis) {
      ti.state = states.at(ti.task_id);
      if (ti.state != TaskState::kNone) {
        ti.try_number = 1;
        AttemptRecord a;
        a.dag_id = "hello";
        a.run_id = run_id;
        a.task_id = ti.task_id;
        a.start = kNow;
        a.state = ti.state == TaskState::kSuccess  ? AttemptState::kSuccess
                  : ti.state == TaskState::kFailed ? AttemptState::kFailed
                                                   : AttemptState::kRunning;
        if (a.state != AttemptState::kRunning) a.end = kNow;
        batch.attempts.push_back(a);
      }
      batch.task_instances.push_back(ti);
    }
    auto run = store_->GetRun("hello", run_id);
    ASSERT_TRUE(run.ok() && *run);
    (*run)->state = run_state;
    batch.runs.push_back(**run);
    ASSERT_TRUE(store_->Apply(batch).ok());
  }

  std::map<std::string, TaskState> States(const std::string& run_id) {
    std::map<std::string, TaskState> states;
    auto tis = store_->ListTaskInstances("hello", run_id);
    EXPECT_TRUE(tis.ok());
    if (tis.ok()) {
      for (const auto& ti : *tis) states[ti.task_id] = ti.state;
    }
    return states;
  }

  RunState RunStateOf(const std::string& run_id) {
    auto run = store_->GetRun("hello", run_id);
    EXPECT_TRUE(run.ok() && *run);
    return run.ok() && *run ? (*run)->state : RunState::kQueued;
  }

  TempDir dir_;
  Config config_;
  std::unique_ptr<Store> store_;
  FakeClock clock_{kNow};
};

// Plays a running scheduler: holds the home's lock, and from another thread (with its own store
// connection, as the scheduler process has) answers the first pending command with `state` and
// `result`, or none when `answer` is false.
class StandInScheduler {
 public:
  StandInScheduler(const Config& config, bool answer, const std::string& state = "done",
                   const std::string& result = "")
      : lock_(SchedulerLock::Acquire(config)) {
    EXPECT_TRUE(lock_.ok()) << lock_.status().message();
    if (!answer) return;
    thread_ = std::thread([this, config, state, result] {
      auto store = OpenStore(config);
      if (!store.ok()) return;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (std::chrono::steady_clock::now() < deadline) {
        auto pending = (*store)->PendingCommands();
        if (pending.ok() && !pending->empty()) {
          CommandRecord done = pending->front();
          seen_ = done;
          done.state = state;
          done.result = result;
          WriteBatch batch;
          batch.finished_commands.push_back(done);
          EXPECT_TRUE((*store)->Apply(batch).ok());
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  ~StandInScheduler() {
    if (thread_.joinable()) thread_.join();
  }
  StandInScheduler(const StandInScheduler&) = delete;
  StandInScheduler& operator=(const StandInScheduler&) = delete;

  // Waits for the answering thread and returns the command it answered, if any.
  std::optional<CommandRecord> Answered() {
    if (thread_.joinable()) thread_.join();
    return seen_;
  }

 private:
  Result<SchedulerLock> lock_;
  std::optional<CommandRecord> seen_;
  std::thread thread_;
};

// A command's kind and arguments, for comparing.
inline std::pair<std::string, nlohmann::json> KindAndArgs(const CommandRecord& c) {
  return {c.kind, nlohmann::json::parse(c.args_json)};
}

}  // namespace sluice::control
