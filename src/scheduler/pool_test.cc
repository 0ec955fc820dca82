// Pools (pool_limit.h) through the planner: shared across DAGs and runs, by priority then oldest
// run, `pool_slots`, the `default` pool, and a pool sluice.yaml does not define.
#include <gtest/gtest.h>

#include "core/dag_loader.h"
#include "scheduler/planner.h"
#include "time/time_format.h"

namespace sluice {
namespace {

TimePoint T(const std::string& iso) { return *ParseTimePoint(iso, TimeZone::Utc()); }

std::vector<std::string> Launched(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& a : d.actions) {
    if (auto* l = std::get_if<LaunchAction>(&a)) {
      out.push_back(l->request.key.dag_id + "." + l->request.key.task_id);
    }
  }
  return out;
}

class PoolTest : public ::testing::Test {
 protected:
  void Start(std::map<std::string, int> pools, int parallelism = 8) {
    PlannerOptions options;
    options.parallelism = parallelism;
    options.pools = std::move(pools);
    options.logs_dir = "/logs";
    planner_ = std::make_unique<Planner>(options);
    planner_->ResumeRuns(now_);
  }

  void AddDag(const std::string& yaml) {
    DagFileChange change;
    change.path = "/dags/" + std::to_string(++files_) + ".yaml";
    change.loaded = LoadDagText(change.path, yaml);
    ASSERT_TRUE(change.loaded.ok());
    planner_->OnDagFileChanged(change, {}, now_);
  }

  // Triggers `dag` with a run dated `at`, and returns what the next tick launches.
  std::vector<std::string> Trigger(const std::string& dag, TimePoint at) {
    auto id = planner_->Trigger(dag, "{}", at, now_, false, std::nullopt);
    EXPECT_TRUE(id.ok()) << id.status().message();
    if (id.ok()) runs_[dag] = *id;
    return Tick();
  }

  std::vector<std::string> Tick() {
    planner_->OnTick(now_);
    return Launched(planner_->TakeDecision());
  }

  // Ends `dag`'s `task` try 1 with success, and returns what the next tick launches.
  std::vector<std::string> End(const std::string& dag, const std::string& task) {
    AttemptOutcome o;
    o.key = AttemptKey{dag, runs_[dag], task, 1};
    o.exit_code = 0;
    o.start = o.end = now_;
    planner_->OnAttemptEnded(o, now_);
    return Tick();
  }

  std::string PoolsText() {
    std::string out;
    for (const auto& p : planner_->Pools()) {
      out += p.pool + ":" + std::to_string(p.slots) + "/" + std::to_string(p.used) + "/" +
             std::to_string(p.queued) + " ";
    }
    return out;
  }

  TimePoint now_ = T("2025-01-06T12:00:00Z");
  std::unique_ptr<Planner> planner_;
  std::map<std::string, std::string> runs_;  // dag -> its run
  int files_ = 0;
};

using Names = std::vector<std::string>;

TEST_F(PoolTest, APoolIsSharedByEveryDagAndAFreedSlotGoesToTheHighestPriorityThenOldestRun) {
  Start({{"warehouse", 2}});
  AddDag(
      "dag: d\ntasks:\n  a: {run: x, pool: warehouse}\n  b: {run: x, pool: warehouse}\n"
      "  c: {run: x, pool: warehouse}\n");
  AddDag("dag: e\ntasks:\n  x: {run: x, pool: warehouse, priority: 5}\n  y: {run: x}\n");
  AddDag("dag: f\ntasks:\n  z: {run: x, pool: warehouse}\n");
  // f's run is the oldest; e's the newest.
  EXPECT_EQ(Trigger("f", T("2025-01-01T00:00:00Z")), Names{"f.z"});
  EXPECT_EQ(Trigger("d", T("2025-01-02T00:00:00Z")), Names{"d.a"});
  EXPECT_EQ(PoolsText(), "default:8/0/0 warehouse:2/2/2 ");
  // The pool is full: only e's task in the default pool starts.
  EXPECT_EQ(Trigger("e", T("2025-01-03T00:00:00Z")), Names{"e.y"});
  EXPECT_EQ(PoolsText(), "default:8/1/0 warehouse:2/2/3 ");
  // A freed slot: e's x has the higher priority, though its run is the newest.
  EXPECT_EQ(End("f", "z"), Names{"e.x"});
  // Then d's b and c, oldest run first, in task order.
  EXPECT_EQ(End("d", "a"), Names{"d.b"});
  EXPECT_EQ(End("e", "x"), Names{"d.c"});
  EXPECT_EQ(PoolsText(), "default:8/1/0 warehouse:2/2/0 ");
}

TEST_F(PoolTest, PoolSlotsAreHeldTogetherAndTasksWhyNamesThePool) {
  Start({{"warehouse", 3}});
  AddDag(
      "dag: d\ntasks:\n  small: {run: x, pool: warehouse}\n"
      "  big: {run: x, pool: warehouse, pool_slots: 3, needs: [small]}\n"
      "  other: {run: x, pool: warehouse, pool_slots: 2}\n");
  EXPECT_EQ(Trigger("d", now_), (Names{"d.small", "d.other"}));
  EXPECT_EQ(PoolsText(), "default:8/0/0 warehouse:3/3/0 ");
  EXPECT_EQ(End("d", "small"), Names{});
  auto why = planner_->Explain("d", runs_["d"], "big", now_);
  ASSERT_EQ(why.size(), 1u);
  EXPECT_EQ(why[0].rule, "pool");
  EXPECT_EQ(why[0].text, "2 of 3 slots of pool warehouse are in use (it needs 3): d/" + runs_["d"] +
                             "/other try 1");
  EXPECT_EQ(why[0].fields["pool_slots"], 3);
  EXPECT_EQ(End("d", "other"), Names{"d.big"});
  EXPECT_EQ(PoolsText(), "default:8/0/0 warehouse:3/3/0 ");
}

TEST_F(PoolTest, TheDefaultPoolHasTheParallelismAndTasksWithoutAPoolUseIt) {
  Start({}, /*parallelism=*/2);
  AddDag("dag: d\ntasks:\n  a: {run: x}\n  b: {run: x, pool: default}\n  c: {run: x}\n");
  EXPECT_EQ(Trigger("d", now_), (Names{"d.a", "d.b"}));
  EXPECT_EQ(PoolsText(), "default:2/2/1 ");
}

// The attempt fails at once with the fix, like a launch that fails: no process, and retries
// apply (a scheduler restarted with the pool added then runs it).
TEST_F(PoolTest, ATaskInAPoolSluiceYamlDoesNotDefineFailsWithTheFix) {
  Start({{"warehouse", 2}});
  AddDag(
      "dag: d\ntasks:\n  a: {run: x, pool: warehose}\n"
      "  b: {run: x, pool: warehouse, pool_slots: 3}\n");
  EXPECT_EQ(Trigger("d", now_), Names{});
  planner_->OnTick(now_);
  Decision d = planner_->TakeDecision();
  std::map<std::string, std::string> errors;
  for (const auto& a : d.writes.attempts) errors[a.task_id] = a.error;
  EXPECT_EQ(errors["a"],
            "pool 'warehose' is not in sluice.yaml's pools (did you mean 'warehouse'?)");
  EXPECT_EQ(errors["b"], "pool_slots 3 is more than pool 'warehouse' has (2 slots)");
  std::map<std::string, TaskState> states;
  for (const auto& t : d.writes.task_instances) states[t.task_id] = t.state;
  for (const auto& t : d.writes.task_transitions) states[t.to.task_id] = t.to.state;
  EXPECT_EQ(states["a"], TaskState::kFailed);
  EXPECT_EQ(states["b"], TaskState::kFailed);
  EXPECT_EQ(PoolsText(), "default:8/0/0 warehouse:2/0/0 ");
}

}  // namespace
}  // namespace sluice
