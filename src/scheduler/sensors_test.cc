// Sensors in the scheduler, in simulated time: a test sensor type whose condition the test
// sets, poked by the real Driver and Planner (inline: the poker runs on the driver's thread).
#include <mutex>
#include <set>

#include "core/sensor_registry.h"
#include "scheduler/scheduler_fixture.h"

namespace sluice::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// `sensor: flag` with `flag: NAME`: met while the test has raised NAME. Records each poke.
struct Flags {
  std::mutex mu;
  std::set<std::string> up;
  std::vector<std::string> pokes;  // "NAME@ISO"
};
Flags& TheFlags() {
  static Flags flags;
  return flags;
}

class FlagSensor final : public SensorType {
 public:
  std::optional<Value> Validate(const std::vector<SpecEntry>& keys,
                                SpecDiagnostics& diags) const override {
    for (const SpecEntry& e : keys) {
      if (e.key.text == "flag") {
        diags.Template(e.value);
        return Value::FromMap({{"flag", Value(e.value.text)}});
      }
    }
    diags.Error(SpecNode{}, "a 'flag' sensor needs 'flag'");
    return std::nullopt;
  }
  PokeResult Poke(const Value& config, const PokeContext& ctx) const override {
    const std::string flag = *config.Find("flag")->AsString();
    std::lock_guard lock(TheFlags().mu);
    TheFlags().pokes.push_back(flag + "@" + Iso(ctx.now));
    PokeResult r;
    const bool up = TheFlags().up.count(flag) > 0;
    r.outcome = up ? PokeResult::Outcome::kMet : PokeResult::Outcome::kNotMet;
    r.detail = "flag " + flag + " is " + (up ? "up" : "down");
    return r;
  }
  std::string Describe(const Value& config) const override {
    return *config.Find("flag")->AsString();
  }
};

class SensorSchedulerTest : public SchedulerTest {
 protected:
  static void SetUpTestSuite() {
    if (FindSensorType("flag") == nullptr) {
      ASSERT_TRUE(RegisterSensorType("flag", std::make_unique<FlagSensor>()).ok());
    }
  }
  void SetUp() override {
    SchedulerTest::SetUp();
    std::lock_guard lock(TheFlags().mu);
    TheFlags().up.clear();
    TheFlags().pokes.clear();
  }
  void Raise(const std::string& flag) {
    std::lock_guard lock(TheFlags().mu);
    TheFlags().up.insert(flag);
  }
  std::vector<std::string> Pokes() {
    std::lock_guard lock(TheFlags().mu);
    return TheFlags().pokes;
  }
  TaskInstanceRecord Ti(const std::string& dag, const std::string& task) {
    for (const auto& ti : *store_->ListTaskInstances(dag, OnlyRun(dag).run_id)) {
      if (ti.task_id == task) return ti;
    }
    ADD_FAILURE() << "no task " << task;
    return {};
  }
  std::vector<std::string> Events(const std::string& dag, const std::string& task) {
    std::vector<std::string> out;
    auto events = store_->ListEvents(0, 100000);
    if (!events.ok()) return out;
    for (const auto& e : *events) {
      if (e.dag_id == dag && e.task_id == task && e.kind == "task_state") {
        out.push_back(e.from + ">" + e.to + " " + Iso(e.time) +
                      (e.detail.empty() ? "" : " " + e.detail));
      }
    }
    return out;
  }
};

TEST_F(SensorSchedulerTest, WaitsDeferredWithoutASlotAndSucceedsAtThePokeThatFindsIt) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: flag, flag: "vendor-{{ ds }}", poke_every: 30s}
  load: {run: "x", needs: [wait]}
  other: {run: "y"}
)");
  StartScheduler(/*parallelism=*/1);
  ASSERT_TRUE(scheduler_->TriggerRun("s", "{}").ok());
  RunUntil(T("2025-01-06T12:01:10Z"));
  // The sensor holds no slot: with parallelism 1, `other` ran at once beside it.
  EXPECT_EQ(Launches(), (std::vector<std::string>{"other@2025-01-06T12:00:00Z"}));
  EXPECT_EQ(Pokes(), (std::vector<std::string>{"vendor-2025-01-06@2025-01-06T12:00:00Z",
                                               "vendor-2025-01-06@2025-01-06T12:00:30Z",
                                               "vendor-2025-01-06@2025-01-06T12:01:00Z"}));
  TaskInstanceRecord wait = Ti("s", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("deferred"));
  EXPECT_EQ(wait.pokes, 3);
  EXPECT_EQ(Iso(*wait.last_poke_at), "2025-01-06T12:01:00Z");
  EXPECT_EQ(wait.last_poke, "flag vendor-2025-01-06 is down");
  EXPECT_EQ(Iso(*wait.next_try_at), "2025-01-06T12:01:30Z");
  EXPECT_EQ(wait.try_number, 0);

  Raise("vendor-2025-01-06");
  RunUntil(T("2025-01-06T12:05:00Z"));
  wait = Ti("s", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("success"));
  EXPECT_EQ(wait.pokes, 4);
  EXPECT_EQ(Iso(*wait.end), "2025-01-06T12:01:30Z");
  EXPECT_EQ(wait.last_poke, "flag vendor-2025-01-06 is up");
  EXPECT_EQ(Launches(),
            (std::vector<std::string>{"other@2025-01-06T12:00:00Z", "load@2025-01-06T12:01:30Z"}));
  EXPECT_EQ(
      Events("s", "wait"),
      (std::vector<std::string>{
          "none>scheduled 2025-01-06T12:00:00Z",
          "scheduled>deferred 2025-01-06T12:00:00Z sensor flag: vendor-{{ ds }}: first poke now",
          "deferred>success 2025-01-06T12:01:30Z poke 4: flag vendor-2025-01-06 is up"}));
  EXPECT_EQ(RunStateName(OnlyRun("s").state), std::string("success"));
}

TEST_F(SensorSchedulerTest, TimeoutFromTheFirstPokeFailsWithoutRetry) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: flag, flag: never, poke_every: 50s, timeout: 2m, retries: 3}
  load: {run: "x", needs: [wait]}
)");
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("s", "{}").ok());
  RunUntil(T("2025-01-06T12:10:00Z"));
  // The last poke is at the timeout, not after it.
  EXPECT_EQ(Pokes(),
            (std::vector<std::string>{"never@2025-01-06T12:00:00Z", "never@2025-01-06T12:00:50Z",
                                      "never@2025-01-06T12:01:40Z", "never@2025-01-06T12:02:00Z"}));
  TaskInstanceRecord wait = Ti("s", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("failed"));
  EXPECT_EQ(Iso(*wait.end), "2025-01-06T12:02:00Z");
  EXPECT_EQ(Events("s", "wait").back(),
            "deferred>failed 2025-01-06T12:02:00Z sensor timed out after 2m (poke 4: flag never "
            "is down)");
  EXPECT_EQ(TaskStateName(Ti("s", "load").state), std::string("upstream_failed"));
  EXPECT_EQ(RunStateName(OnlyRun("s").state), std::string("failed"));
  EXPECT_TRUE(Launches().empty());
}

TEST_F(SensorSchedulerTest, SoftFailEndsSkippedAndSkipsDownstream) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: flag, flag: never, poke_every: 1m, timeout: 2m, soft_fail: true}
  load: {run: "x", needs: [wait]}
)");
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("s", "{}").ok());
  RunUntil(T("2025-01-06T12:10:00Z"));
  EXPECT_EQ(Pokes().size(), 3u);
  EXPECT_EQ(TaskStateName(Ti("s", "wait").state), std::string("skipped"));
  EXPECT_EQ(Events("s", "wait").back(),
            "deferred>skipped 2025-01-06T12:02:00Z sensor timed out after 2m (soft_fail) (poke "
            "3: flag never is down)");
  EXPECT_EQ(TaskStateName(Ti("s", "load").state), std::string("skipped"));
  EXPECT_EQ(RunStateName(OnlyRun("s").state), std::string("success"));
}

TEST_F(SensorSchedulerTest, ExponentialBackoffIsCappedByMaxPokeEvery) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: flag, flag: f, poke_every: 10s, poke_backoff: exponential, max_poke_every: 1m}
)");
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("s", "{}").ok());
  RunUntil(T("2025-01-06T12:04:00Z"));
  EXPECT_EQ(Pokes(),
            (std::vector<std::string>{"f@2025-01-06T12:00:00Z", "f@2025-01-06T12:00:10Z",
                                      "f@2025-01-06T12:00:30Z", "f@2025-01-06T12:01:10Z",
                                      "f@2025-01-06T12:02:10Z", "f@2025-01-06T12:03:10Z"}));
}

TEST_F(SensorSchedulerTest, ARestartPokesAgainAtOnceAndKeepsTheCount) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: flag, flag: f, poke_every: 1m}
)");
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("s", "{}").ok());
  RunUntil(T("2025-01-06T12:01:30Z"));
  EXPECT_EQ(Ti("s", "wait").pokes, 2);
  StartScheduler();  // a crash and a restart at 12:01:30
  RunUntil(T("2025-01-06T12:02:40Z"));
  EXPECT_EQ(Pokes(),
            (std::vector<std::string>{"f@2025-01-06T12:00:00Z", "f@2025-01-06T12:01:00Z",
                                      "f@2025-01-06T12:01:30Z", "f@2025-01-06T12:02:30Z"}));
  TaskInstanceRecord wait = Ti("s", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("deferred"));
  EXPECT_EQ(wait.pokes, 4);
  Raise("f");
  RunUntil(T("2025-01-06T12:04:00Z"));
  EXPECT_EQ(TaskStateName(Ti("s", "wait").state), std::string("success"));
  EXPECT_EQ(Ti("s", "wait").pokes, 5);
}

TEST_F(SensorSchedulerTest, KillFailsAWaitingSensorWithoutRetryAndClearWaitsAnew) {
  source_.Set("/dags/s.yaml", R"(
dag: s
tasks:
  wait: {sensor: flag, flag: f, poke_every: 1m, retries: 2}
)");
  command_poll_interval_ = seconds(1);
  StartScheduler();
  auto run_id = scheduler_->TriggerRun("s", "{}");
  ASSERT_TRUE(run_id.ok());
  RunUntil(T("2025-01-06T12:01:30Z"));
  const std::string args = R"({"dag":"s","run":")" + *run_id + R"(","task":"wait"})";
  CommandRecord done = SendCommand("kill", args);
  EXPECT_EQ(done.state, "done");
  EXPECT_EQ(done.result,
            "killed task 'wait' of run '" + *run_id + "' (a sensor waiting, after 2 pokes)");
  EXPECT_EQ(TaskStateName(Ti("s", "wait").state), std::string("failed"));
  EXPECT_EQ(RunStateName(OnlyRun("s").state), std::string("failed"));
  const size_t pokes = Pokes().size();
  RunUntil(T("2025-01-06T12:05:00Z"));
  EXPECT_EQ(Pokes().size(), pokes);  // no poke after the kill

  Raise("f");
  Command("clear", args);
  RunUntil(T("2025-01-06T12:07:00Z"));
  TaskInstanceRecord wait = Ti("s", "wait");
  EXPECT_EQ(TaskStateName(wait.state), std::string("success"));
  EXPECT_EQ(wait.pokes, 1);  // a new wait counts from 0
  EXPECT_EQ(RunStateName(OnlyRun("s").state), std::string("success"));
}

TEST_F(SensorSchedulerTest, ATimeSensorIsATimerAtTheWallTimeInTheDagsZone) {
  source_.Set("/dags/t.yaml", R"(
dag: t
timezone: America/New_York
tasks:
  close: {sensor: time, at: "16:15"}
  report: {run: "x", needs: [close]}
)");
  StartScheduler();
  ASSERT_TRUE(scheduler_->TriggerRun("t", "{}").ok());  // 2025-01-06T12:00Z, 07:00 in New York
  RunUntil(T("2025-01-06T20:00:00Z"));
  TaskInstanceRecord close = Ti("t", "close");
  EXPECT_EQ(TaskStateName(close.state), std::string("deferred"));
  EXPECT_EQ(Iso(*close.next_try_at), "2025-01-06T21:15:00Z");
  EXPECT_EQ(close.last_poke, "waiting until 2025-01-06T21:15:00Z (America/New_York)");
  EXPECT_EQ(close.pokes, 0);
  StartScheduler();  // a restart keeps the timer
  RunUntil(T("2025-01-06T22:00:00Z"));
  close = Ti("t", "close");
  EXPECT_EQ(TaskStateName(close.state), std::string("success"));
  EXPECT_EQ(Iso(*close.end), "2025-01-06T21:15:00Z");
  EXPECT_EQ(Launches(), (std::vector<std::string>{"report@2025-01-06T21:15:00Z"}));
  EXPECT_TRUE(Pokes().empty());
}

}  // namespace
}  // namespace sluice::testing
