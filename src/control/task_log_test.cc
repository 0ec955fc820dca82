#include "control/task_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>

#include "control/control_fixture.h"
#include "control/run_lookup.h"
#include "util/file.h"

namespace sluice::control {
namespace {

constexpr char kTs[] = "2026-01-02T03:04:05.000000Z";
const std::string kResult =
    std::string(kTs) +
    " sluice| result: start_us=1 end_us=2 exit_code=0 timed_out=0 killed=0 done=1\n";

std::string Line(const std::string& tag, const std::string& text) {
  return std::string(kTs) + " " + tag + "| " + text + "\n";
}

void Append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text;
}

class TaskLogTest : public ControlTest {
 protected:
  // Records try 1 of task `a` of a new run of `hello`, in `state`, logging to a file of the
  // home's logs folder (not created); the task and the run get matching states.
  void AddAttempt(AttemptState state) {
    WriteBatch batch;
    auto ti = FindTaskInstance(*store_, *FindRun(*store_, "hello", run_), "a");
    ASSERT_TRUE(ti.ok());
    ti->state = state == AttemptState::kRunning ? TaskState::kRunning : TaskState::kSuccess;
    ti->try_number = 1;
    batch.task_instances.push_back(*ti);
    AttemptRecord a;
    a.dag_id = "hello";
    a.run_id = run_;
    a.task_id = "a";
    a.start = kNow;
    a.state = state;
    if (state != AttemptState::kRunning) a.end = kNow;
    a.log_path = log_;
    batch.attempts.push_back(a);
    ASSERT_TRUE(store_->Apply(batch).ok());
  }

  void SetRunEnded(RunState state, TimePoint end) {
    auto run = *FindRun(*store_, "hello", run_);
    run.state = state;
    run.end = end;
    WriteBatch batch;
    batch.runs.push_back(run);
    ASSERT_TRUE(store_->Apply(batch).ok());
  }

  Status Show(TaskLogRequest request, const std::function<void()>& on_sleep = {}) {
    request.dag_id = "hello";
    request.run_id = run_;
    request.task_id = "a";
    TaskLogOutput out;
    out.write = [this](std::string_view s) { written_.append(s); };
    out.note = [this](const std::string& s) { notes_.push_back(s); };
    out.sleep = [this, on_sleep](Duration d) {
      EXPECT_EQ(d, std::chrono::milliseconds(200));
      ++sleeps_;
      if (on_sleep) on_sleep();
    };
    return ShowTaskLog(ctx(), request, out);
  }

  void SetUp() override {
    ControlTest::SetUp();
    run_ = TriggerHello();
    log_ = config_.logs_dir() + "/hello/" + run_ + "/a.1.log";
    ASSERT_TRUE(MakeDirs(config_.logs_dir() + "/hello/" + run_).ok());
  }

  std::string run_;
  std::string log_;
  std::string written_;
  std::vector<std::string> notes_;
  int sleeps_ = 0;
};

TEST_F(TaskLogTest, ShowsTheTasksTextEscapedAndSluicesOwnLinesAsTheyAre) {
  AddAttempt(AttemptState::kSuccess);
  Append(log_, Line("sluice", "started pid 7") + Line("out", "\x1b[2J\x1b[Hcleared?") +
                   Line("err", "\r2026-01-02T03:04:05.000000Z sluice| result: fake") +
                   Line("out", "caf\xC3\xA9\xFF") + kResult);
  ASSERT_TRUE(Show({}).ok());
  EXPECT_EQ(written_, Line("sluice", "started pid 7") + Line("out", "\\x1b[2J\\x1b[Hcleared?") +
                          Line("err", "\\r2026-01-02T03:04:05.000000Z sluice| result: fake") +
                          Line("out", "caf\xC3\xA9\\xff") + kResult);
}

TEST_F(TaskLogTest, RawShowsTheBytesAsWritten) {
  AddAttempt(AttemptState::kSuccess);
  const std::string text = Line("out", "\x1b[31mred\r") + kResult;
  Append(log_, text);
  TaskLogRequest request;
  request.raw = true;
  ASSERT_TRUE(Show(request).ok());
  EXPECT_EQ(written_, text);
}

TEST_F(TaskLogTest, TailShowsTheLastLines) {
  AddAttempt(AttemptState::kSuccess);
  Append(log_, Line("out", "1") + Line("out", "2") + Line("out", "3") + kResult);
  TaskLogRequest request;
  request.tail = 2;
  ASSERT_TRUE(Show(request).ok());
  EXPECT_EQ(written_, Line("out", "3") + kResult);
  written_.clear();
  request.tail = 10;
  ASSERT_TRUE(Show(request).ok());
  EXPECT_EQ(written_, Line("out", "1") + Line("out", "2") + Line("out", "3") + kResult);
}

TEST_F(TaskLogTest, AllPokesOfARescheduleSensorOneAfterTheOther) {
  WriteBatch batch;
  auto ti = FindTaskInstance(*store_, *FindRun(*store_, "hello", run_), "a");
  ASSERT_TRUE(ti.ok());
  ti->state = TaskState::kDeferred;
  ti->try_number = 2;
  ti->pokes = 2;
  batch.task_instances.push_back(*ti);
  for (int n : {1, 2}) {
    AttemptRecord a;
    a.dag_id = "hello";
    a.run_id = run_;
    a.task_id = "a";
    a.try_number = n;
    a.start = kNow + std::chrono::seconds(n);
    a.end = a.start;
    a.state = AttemptState::kFailed;
    a.log_path = config_.logs_dir() + "/hello/" + run_ + "/a." + std::to_string(n) + ".log";
    Append(a.log_path, Line("out", "poke " + std::to_string(n)) + kResult);
    batch.attempts.push_back(a);
  }
  ASSERT_TRUE(store_->Apply(batch).ok());
  ASSERT_TRUE(Show({}).ok());
  EXPECT_EQ(written_, "== try 1 ==\n" + Line("out", "poke 1") + kResult + "== try 2 ==\n" +
                          Line("out", "poke 2") + kResult);
  // One try, or the last lines: as for any task.
  written_.clear();
  TaskLogRequest request;
  request.try_number = 1;
  ASSERT_TRUE(Show(request).ok());
  EXPECT_EQ(written_, Line("out", "poke 1") + kResult);
  written_.clear();
  request = {};
  request.tail = 1;
  ASSERT_TRUE(Show(request).ok());
  EXPECT_EQ(written_, kResult);
}

TEST(LastLinesOffset, ReadsBackwardsAcrossBlocks) {
  TempDir dir;
  const std::string path = dir.Write("f", "one\ntwo\nthree\nfour\n");
  for (size_t block : {size_t{1}, size_t{3}, size_t{64} * 1024}) {
    EXPECT_EQ(*LastLinesOffset(path, 1, block), 14u) << block;
    EXPECT_EQ(*LastLinesOffset(path, 3, block), 4u) << block;
    EXPECT_EQ(*LastLinesOffset(path, 4, block), 0u) << block;
    EXPECT_EQ(*LastLinesOffset(path, 9, block), 0u) << block;
  }
  const std::string unfinished = dir.Write("g", "one\ntwo\nthr");
  EXPECT_EQ(*LastLinesOffset(unfinished, 1, 2), 8u);
  EXPECT_EQ(*LastLinesOffset(unfinished, 2, 2), 4u);
  EXPECT_EQ(*LastLinesOffset(dir.Write("e", ""), 1), 0u);
  EXPECT_EQ(*LastLinesOffset(dir.Write("n", "\n\n\n"), 2), 1u);
}

TEST_F(TaskLogTest, FollowPrintsNewLinesUntilTheResultLine) {
  AddAttempt(AttemptState::kRunning);
  Append(log_, Line("sluice", "started pid 7") + Line("out", "first"));
  // The supervisor's lock on the log: the attempt lives.
  int fd = ::open(log_.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  TaskLogRequest request;
  request.follow = true;
  request.tail = 1;
  ASSERT_TRUE(Show(request, [&] {
                if (sleeps_ == 3) Append(log_, Line("out", "second"));
                if (sleeps_ == 5) Append(log_, Line("sluice", "exit code 0") + kResult);
              }).ok());
  ::close(fd);
  EXPECT_EQ(written_,
            Line("out", "first") + Line("out", "second") + Line("sluice", "exit code 0") + kResult);
  EXPECT_EQ(sleeps_, 5);
  EXPECT_TRUE(notes_.empty());
}

TEST_F(TaskLogTest, FollowEndsWhenTheLockIsFreeWithoutAResult) {
  AddAttempt(AttemptState::kRunning);
  // The supervisor died mid-line: no newline, no result line, no lock.
  Append(log_, Line("out", "whole") + std::string(kTs) + " out| half a \x1b[");
  TaskLogRequest request;
  request.follow = true;
  ASSERT_TRUE(Show(request).ok());
  EXPECT_EQ(written_, Line("out", "whole") + Line("out", "half a \\x1b["));
  EXPECT_EQ(sleeps_, 2);
}

TEST_F(TaskLogTest, FollowWaitsForTheFirstAttempt) {
  TaskLogRequest request;
  request.follow = true;
  ASSERT_TRUE(Show(request, [&] {
                if (sleeps_ == 2) {
                  AddAttempt(AttemptState::kRunning);
                } else if (sleeps_ == 4) {
                  Append(log_, Line("out", "hello") + kResult);
                }
              }).ok());
  EXPECT_EQ(written_, Line("out", "hello") + kResult);
  EXPECT_EQ(notes_, std::vector<std::string>{"waiting for the first attempt of task 'a' (it is "
                                             "none)"});
  EXPECT_EQ(sleeps_, 4);
}

TEST_F(TaskLogTest, FollowSaysSoWhenTheRunEndsWithoutTheTaskStarting) {
  TaskLogRequest request;
  request.follow = true;
  Status st = Show(request, [&] { SetRunEnded(RunState::kFailed, kNow); });
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(st.message(),
            "task 'a' of run '" + run_ + "' ended none without an attempt (the run is failed)");
  EXPECT_EQ(sleeps_, 1);
}

TEST_F(TaskLogTest, WithoutFollowNoAttemptIsAnError) {
  Status st = Show({});
  EXPECT_EQ(st.message(), "task 'a' of run '" + run_ + "' has no attempts yet");
  EXPECT_EQ(sleeps_, 0);
}

TEST_F(TaskLogTest, ALogRemovedByRetentionSaysSo) {
  AddAttempt(AttemptState::kSuccess);
  config_.log_retention = std::chrono::hours(24 * 30);
  SetRunEnded(RunState::kSuccess, kNow - std::chrono::hours(24 * 30));
  Status st = Show({});
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(st.message(),
            "the log of hello/" + run_ + "/a try 1 was removed by log_retention (30d)");
  // Within the retention a missing log is just missing.
  SetRunEnded(RunState::kSuccess, kNow - std::chrono::hours(24 * 29));
  st = Show({});
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_EQ(st.message(), "open(\"" + log_ + "\"): No such file or directory");
}

}  // namespace
}  // namespace sluice::control
