// The planner alone, with no store, no executor and no clock: events in, a Decision out. These
// pin the contract the driver relies on: what a decision holds (transitions, then actions),
// that a kill or a launch is only ever an action, and the timer it asks for.
#include "scheduler/planner.h"

#include <gtest/gtest.h>

#include "core/dag_loader.h"
#include "scheduler/command_args.h"
#include "time/time_format.h"

namespace sluice {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TimePoint T(const std::string& iso) { return *ParseTimePoint(iso, TimeZone::Utc()); }

// "task:from->to" for each task-state event of a decision, in order.
std::vector<std::string> TaskEvents(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& e : d.writes.events) {
    if (e.kind == "task_state") out.push_back(e.task_id + ":" + e.from + "->" + e.to);
  }
  return out;
}

std::vector<std::string> Launched(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& a : d.actions) {
    if (auto* l = std::get_if<LaunchAction>(&a)) {
      out.push_back(l->request.key.task_id + "." + std::to_string(l->request.key.try_number));
    }
  }
  return out;
}

std::vector<std::string> Killed(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& a : d.actions) {
    if (auto* k = std::get_if<KillAction>(&a)) out.push_back(k->key.task_id);
  }
  return out;
}

std::optional<TimePoint> Armed(const Decision& d) {
  std::optional<TimePoint> out;
  for (const auto& a : d.actions) {
    if (auto* t = std::get_if<ArmTimerAction>(&a)) out = t->when;
  }
  return out;
}

class PlannerTest : public ::testing::Test {
 protected:
  PlannerTest() {
    PlannerOptions options;
    options.parallelism = 4;
    options.logs_dir = "/logs";
    planner_ = std::make_unique<Planner>(options);
    planner_->ResumeRuns(now_);  // nothing to load: the planner starts empty
  }

  void AddDag(const std::string& yaml) {
    DagFileChange change;
    change.path = "/dags/d.yaml";
    change.loaded = LoadDagText(change.path, yaml);
    ASSERT_TRUE(change.loaded.ok());
    planner_->OnDagFileChanged(change, {}, now_);
  }

  AttemptOutcome Ended(const std::string& task, int try_number, int exit_code) {
    AttemptOutcome o;
    o.key = AttemptKey{"d", run_id_, task, try_number};
    o.exit_code = exit_code;
    o.start = now_;
    o.end = now_;
    return o;
  }

  TimePoint now_ = T("2025-01-06T12:00:00Z");
  std::string run_id_ = "manual__2025-01-06T12:00:00Z";
  std::unique_ptr<Planner> planner_;
};

TEST_F(PlannerTest, ATriggerDecidesTheRunItsRootsAndTheirLaunchesInOneDecision) {
  AddDag(R"(
dag: d
tasks:
  a: {run: "echo {{ ds }}"}
  b: {run: "echo b", needs: [a]}
)");
  auto id = planner_->Trigger("d", "{}", std::nullopt, now_, false, std::nullopt);
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(*id, run_id_);
  Decision d = planner_->TakeDecision();
  // The new version, the run and its task instances (none), and the root ready to go.
  ASSERT_EQ(d.writes.dag_versions.size(), 1u);
  // Each new record is written once, as it stands at the end of the decision.
  ASSERT_EQ(d.writes.runs.size(), 1u);
  EXPECT_EQ(d.writes.runs[0].state, RunState::kRunning);
  ASSERT_EQ(d.writes.task_instances.size(), 2u);
  EXPECT_TRUE(d.writes.task_transitions.empty());
  EXPECT_EQ(TaskEvents(d), (std::vector<std::string>{"a:none->scheduled"}));
  EXPECT_TRUE(Launched(d).empty()) << "dispatch happens at a tick";

  planner_->OnTick(now_);
  d = planner_->TakeDecision();
  EXPECT_EQ(TaskEvents(d), (std::vector<std::string>{"a:scheduled->queued", "a:queued->running"}));
  EXPECT_EQ(Launched(d), (std::vector<std::string>{"a.1"}));
  ASSERT_EQ(d.writes.attempts.size(), 1u);
  EXPECT_EQ(d.writes.attempts[0].log_path, "/logs/d/" + run_id_ + "/a.1.log");
  const auto& launch = std::get<LaunchAction>(d.actions[0]).request;
  EXPECT_EQ(launch.argv, (std::vector<std::string>{"/bin/sh", "-c", "echo '2025-01-06'"}));
  EXPECT_EQ(launch.attempt_path, "/logs/d/" + run_id_ + "/a.1");
}

TEST_F(PlannerTest, AnEndedAttemptRecordsItsEndAndStartsTheDownstreamTask) {
  AddDag("dag: d\ntasks:\n  a: {run: x}\n  b: {run: x, needs: [a]}\n");
  ASSERT_TRUE(planner_->Trigger("d", "{}", std::nullopt, now_, false, std::nullopt).ok());
  planner_->OnTick(now_);
  planner_->TakeDecision();
  now_ += seconds(3);
  planner_->OnAttemptEnded(Ended("a", 1, 0), now_);
  planner_->OnTick(now_);
  Decision d = planner_->TakeDecision();
  EXPECT_EQ(TaskEvents(d), (std::vector<std::string>{"a:running->success", "b:none->scheduled",
                                                     "b:scheduled->queued", "b:queued->running"}));
  EXPECT_EQ(Launched(d), (std::vector<std::string>{"b.1"}));
  ASSERT_EQ(d.writes.attempts.size(), 2u);  // a's end, b's start
  EXPECT_EQ(AttemptStateName(d.writes.attempts[0].state), std::string("success"));
}

TEST_F(PlannerTest, AFailureWithRetriesArmsATimerAndRetriesWhenItIsDue) {
  AddDag("dag: d\ntasks:\n  a: {run: x, retries: 1, retry_delay: 5m}\n");
  ASSERT_TRUE(planner_->Trigger("d", "{}", std::nullopt, now_, false, std::nullopt).ok());
  planner_->OnTick(now_);
  planner_->TakeDecision();
  planner_->OnAttemptEnded(Ended("a", 1, 3), now_);
  planner_->OnTick(now_);
  Decision d = planner_->TakeDecision();
  EXPECT_EQ(TaskEvents(d), (std::vector<std::string>{"a:running->up_for_retry"}));
  EXPECT_EQ(Armed(d), now_ + minutes(5));
  EXPECT_EQ(planner_->NextWakeup(), now_ + minutes(5));
  planner_->OnTick(now_ + minutes(4));
  EXPECT_TRUE(Launched(planner_->TakeDecision()).empty());
  planner_->OnTick(now_ + minutes(5));
  d = planner_->TakeDecision();
  EXPECT_EQ(Launched(d), (std::vector<std::string>{"a.2"}));
  EXPECT_EQ(planner_->NextWakeup(), TimePoint::max());
}

TEST_F(PlannerTest, AClearOfARunningTaskKillsItOnlyAsAnActionAfterItsWrites) {
  AddDag("dag: d\ntasks:\n  a: {run: x}\n  b: {run: x, needs: [a]}\n");
  ASSERT_TRUE(planner_->Trigger("d", "{}", std::nullopt, now_, false, std::nullopt).ok());
  planner_->OnTick(now_);
  planner_->TakeDecision();
  CommandRecord clear;
  clear.id = 7;
  clear.kind = "clear";
  clear.args_json = R"({"dag":"d","run":")" + run_id_ + R"(","task":"a","downstream":true})";
  planner_->OnCommand(clear, CommandInput(), now_);
  Decision d = planner_->TakeDecision();
  EXPECT_EQ(Killed(d), (std::vector<std::string>{"a"}));
  EXPECT_EQ(TaskEvents(d)[0], "a:running->none");
  ASSERT_EQ(d.writes.finished_commands.size(), 1u);
  EXPECT_EQ(d.writes.finished_commands[0].state, "done");
  EXPECT_EQ(d.writes.finished_commands[0].result, "cleared 2 task(s): a, b");
  // The killed attempt's end is recorded for the attempt only; the cleared task starts again.
  planner_->OnAttemptEnded(Ended("a", 1, 143), now_);
  planner_->OnTick(now_);
  d = planner_->TakeDecision();
  EXPECT_EQ(Launched(d), (std::vector<std::string>{"a.2"}));
}

TEST_F(PlannerTest, ACommandOnARunItDoesNotHoldAndTheDriverDidNotFindFails) {
  AddDag("dag: d\ntasks:\n  a: {run: x}\n");
  CommandRecord clear;
  clear.kind = "clear";
  clear.args_json = R"({"dag":"d","run":"nope","task":"a"})";
  planner_->OnCommand(clear, CommandInput(), now_);
  CommandRecord odd;
  odd.kind = "frobnicate";
  planner_->OnCommand(odd, CommandInput(), now_);
  Decision d = planner_->TakeDecision();
  ASSERT_EQ(d.writes.finished_commands.size(), 2u);
  EXPECT_EQ(d.writes.finished_commands[0].state, "failed");
  EXPECT_EQ(d.writes.finished_commands[0].result, "no run 'nope' of dag 'd'");
  EXPECT_EQ(d.writes.finished_commands[1].result, "unknown command 'frobnicate'");
  EXPECT_TRUE(d.actions.empty());
}

TEST_F(PlannerTest, ParallelismHoldsEverythingAndMaxActiveTasksOnlyItsDag) {
  PlannerOptions options;
  options.parallelism = 2;
  planner_ = std::make_unique<Planner>(options);
  planner_->ResumeRuns(now_);
  AddDag("dag: d\nmax_active_tasks: 1\ntasks:\n  a: {run: x}\n  b: {run: x}\n  c: {run: x}\n");
  ASSERT_TRUE(planner_->Trigger("d", "{}", std::nullopt, now_, false, std::nullopt).ok());
  planner_->OnTick(now_);
  EXPECT_EQ(Launched(planner_->TakeDecision()), (std::vector<std::string>{"a.1"}));
  AddDag("dag: e\ntasks:\n  x: {run: x}\n  y: {run: x}\n");
  ASSERT_TRUE(planner_->Trigger("e", "{}", std::nullopt, now_, false, std::nullopt).ok());
  planner_->OnTick(now_);
  // d is at its max_active_tasks; e may take the one slot parallelism has left.
  EXPECT_EQ(Launched(planner_->TakeDecision()), (std::vector<std::string>{"x.1"}));
  planner_->OnAttemptEnded(Ended("a", 1, 0), now_);
  planner_->OnTick(now_);
  EXPECT_EQ(Launched(planner_->TakeDecision()), (std::vector<std::string>{"b.1"}));
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

TEST(AttemptPathTest, NamesTheTaskItsMapIndexAndTry) {
  EXPECT_EQ(AttemptPath("/h/logs", AttemptKey{"d", "r", "load", 2}), "/h/logs/d/r/load.2");
  AttemptKey mapped{"d", "r", "load", 1, 3};
  EXPECT_EQ(AttemptPath("/h/logs", mapped), "/h/logs/d/r/load@3.1");
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

TEST_F(PlannerTest, DependsOnPastWaitsWhileClosedRunsCannotBeRead) {
  planner_->ClosedRunsUnreadable("d");
  AddDag("dag: d\ntasks:\n  a: {run: x, depends_on_past: true}\n");
  ASSERT_TRUE(planner_->Trigger("d", "{}", std::nullopt, now_, false, std::nullopt).ok());
  planner_->OnTick(now_);
  EXPECT_TRUE(Launched(planner_->TakeDecision()).empty()) << "no guess while history is unknown";
  planner_->TrackClosedRuns("d", {}, TimePoint::max(), now_);  // read at last: no earlier run
  planner_->OnTick(now_);
  EXPECT_EQ(Launched(planner_->TakeDecision()), (std::vector<std::string>{"a.1"}));
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

TEST(CommandArgsTest, ReadsTheFieldsAndLeavesMissingOrMistypedOnesEmpty) {
  CommandArgs a =
      CommandArgs::Parse(R"({"dag":"d","run":"r","task":"t","state":"success","downstream":true})");
  EXPECT_EQ(a.dag + "/" + a.run + "/" + a.task + "/" + a.state, "d/r/t/success");
  EXPECT_TRUE(a.downstream);
  CommandArgs b = CommandArgs::Parse(R"({"dag":7,"downstream":"yes"})");
  EXPECT_EQ(b.dag, "");
  EXPECT_FALSE(b.downstream);
  EXPECT_EQ(CommandArgs::Parse("not json").run, "");
}

}  // namespace
}  // namespace sluice
