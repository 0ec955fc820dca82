// The local executor with real processes: each test runs /bin/sh scripts under the real
// sluice-supervisor and waits for outcomes by running a real event loop, with a generous
// deadline.
#include "executor/executor.h"

#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "executor/attempt_result.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/small_disk.h"
#include "tests/testing/temp_dir.h"
#include "util/file.h"
#include "util/strings.h"

namespace sluice {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kFakeNow = TimePoint(Duration(1764000000000000));  // 2025-11-24T16:00:00Z
constexpr auto kDeadline = seconds(20);  // generous: the machine is shared

std::string SupervisorPath() {
  const char* dir = std::getenv("SLUICE_BUILD_DIR");
  return (dir ? std::string(dir) : ExecutableDir() + "/../..") + "/sluice-supervisor";
}

// A process that no longer exists or is only a zombie (one whose parent does not reap).
bool ProcessGone(long pid) {
  auto stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.ok()) return true;
  size_t paren = stat->rfind(')');
  return paren != std::string::npos && stat->substr(paren + 2, 1) == "Z";
}

// Whether `pid` is gone within the deadline (a process's death may take a moment to show).
bool GoneWithinDeadline(long pid) {
  const auto give_up = std::chrono::steady_clock::now() + kDeadline;
  while (!ProcessGone(pid) && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  return ProcessGone(pid);
}

int CountOpenFds() {
  int n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

// Zombie children of this process: supervisors the executor forgot to reap.
int CountZombieChildren() {
  int zombies = 0;
  const std::string self = std::to_string(::getpid());
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    auto status = ReadFile(entry.path().string() + "/status");
    if (!status.ok()) continue;
    bool child = status->find("\nPPid:\t" + self + "\n") != std::string::npos;
    if (child && status->find("\nState:\tZ") != std::string::npos) ++zombies;
  }
  return zombies;
}

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override { exec_ = NewExecutor(); }

  std::unique_ptr<Executor> NewExecutor() {
    auto e = CreateLocalExecutor(SupervisorPath(), clock_, *loop_, tmp_.path() + "/logs");
    EXPECT_TRUE(e.ok()) << e.status().message();
    return e.ok() ? std::move(e).value() : nullptr;
  }

  LaunchRequest Sh(const std::string& task, const std::string& script) {
    LaunchRequest req;
    req.key = AttemptKey{"dag", "manual__2025-11-24T16:00:00Z", task, 1};
    req.argv = {"/bin/sh", "-c", script};
    req.attempt_path = tmp_.path() + "/logs/run/" + task + ".1";
    return req;
  }

  // One turn of the loop (at most `max_wait`), then what ended.
  std::vector<AttemptOutcome> Wait(Duration max_wait, Executor* exec = nullptr) {
    loop_->RunOnce(max_wait);
    return (exec ? exec : exec_.get())->TakeEnded();
  }

  AttemptOutcome Run(const LaunchRequest& req) {
    auto launched = exec_->Launch(req);
    EXPECT_TRUE(launched.ok()) << launched.status().message();
    return WaitFor(req.key);
  }

  // Waits for the outcome of `key`, keeping others for later calls.
  AttemptOutcome WaitFor(const AttemptKey& key, Executor* exec = nullptr) {
    exec = exec ? exec : exec_.get();
    const auto give_up = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < give_up) {
      if (auto it = stash_.find(key); it != stash_.end()) {
        AttemptOutcome o = it->second;
        stash_.erase(it);
        return o;
      }
      for (auto& o : Wait(milliseconds(200), exec)) stash_[o.key] = o;
    }
    ADD_FAILURE() << "no outcome for " << key.task_id << " within the deadline";
    return {};
  }

  std::string Log(const LaunchRequest& req) {
    auto text = ReadFile(req.attempt_path + ".log");
    return text.ok() ? *text : "";
  }

  // Log lines without their timestamps, checking the timestamp format on the way, and without
  // the result line that ends the log of a finished attempt.
  std::vector<std::string> LogBodies(const LaunchRequest& req) {
    std::vector<std::string> bodies;
    std::string last_stamp;
    for (const auto& line : Split(Log(req), '\n')) {
      if (line.empty()) continue;
      if (!IsTimestamp(line.substr(0, 27)) || line.size() < 28 || line[27] != ' ') {
        ADD_FAILURE() << "malformed log line: " << line.substr(0, 100);
        continue;
      }
      std::string body = line.substr(28);
      if (!StartsWith(body, "out| ") && !StartsWith(body, "err| ") &&
          !StartsWith(body, "sluice| ")) {
        ADD_FAILURE() << "log line without a tag: " << line.substr(0, 100);
      }
      EXPECT_GE(line.substr(0, 27), last_stamp) << "time went backwards at: " << line;
      last_stamp = line.substr(0, 27);
      bodies.push_back(std::move(body));
    }
    if (!bodies.empty() && StartsWith(bodies.back(), "sluice| result: ")) bodies.pop_back();
    return bodies;
  }

  // YYYY-MM-DDTHH:MM:SS.ffffffZ. (std::regex recurses per character: long lines overflow.)
  static bool IsTimestamp(const std::string& s) {
    const std::string shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    if (s.size() != shape.size()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
      if (shape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(s[i])) : s[i] != shape[i]) {
        return false;
      }
    }
    return true;
  }

  // Waits until the log has a line ending with `text` (the task reached a known point).
  void WaitForLog(const LaunchRequest& req, const std::string& text) {
    const auto give_up = std::chrono::steady_clock::now() + kDeadline;
    while (Log(req).find(text) == std::string::npos) {
      ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "log never showed: " << text;
      for (auto& o : Wait(milliseconds(10))) stash_[o.key] = o;
    }
  }

  // The pid the task printed on the stdout line `out| PID`.
  long PrintedPid(const LaunchRequest& req) {
    for (const auto& body : LogBodies(req)) {
      if (StartsWith(body, "out| ")) return std::atol(body.c_str() + 5);
    }
    return 0;
  }

  TempDir tmp_;
  // Launches and lost attempts are stamped with the fake clock; the loop runs in real time, as
  // the lock checks of adopted attempts pace system calls.
  FakeClock clock_{kFakeNow};
  std::unique_ptr<EventLoop> loop_ = std::move(EventLoop::Create(SystemClock())).value();
  std::unique_ptr<Executor> exec_;
  std::map<AttemptKey, AttemptOutcome> stash_;
};

TEST_F(ExecutorTest, ReportsExitCodes) {
  LaunchRequest ok = Sh("ok", "exit 0");
  auto launched = exec_->Launch(ok);
  ASSERT_TRUE(launched.ok()) << launched.status().message();
  EXPECT_GT(launched->pid, 0);
  EXPECT_EQ(launched->start, kFakeNow);
  EXPECT_EQ(launched->log_path, ok.attempt_path + ".log");
  EXPECT_EQ(exec_->Running(), 1u);
  AttemptOutcome o = WaitFor(ok.key);
  EXPECT_EQ(o.key, ok.key);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_FALSE(o.signal);
  EXPECT_FALSE(o.timed_out);
  EXPECT_FALSE(o.lost);
  EXPECT_EQ(o.error, "");
  EXPECT_LE(o.start, o.end);
  EXPECT_EQ(exec_->Running(), 0u);

  AttemptOutcome three = Run(Sh("three", "exit 3"));
  EXPECT_EQ(three.exit_code, 3);
  EXPECT_EQ(three.error, "");
}

TEST_F(ExecutorTest, ReportsTheSignalThatEndedTheTask) {
  LaunchRequest req = Sh("sig", "kill -9 $$");
  AttemptOutcome o = Run(req);
  EXPECT_FALSE(o.exit_code);
  EXPECT_EQ(o.signal, 9);
  EXPECT_FALSE(o.timed_out);
  EXPECT_EQ(LogBodies(req).back(), "sluice| killed by signal 9 (SIGKILL)");
}

TEST_F(ExecutorTest, TimeoutKillsTheWholeProcessGroup) {
  LaunchRequest req = Sh("slow", "sleep 30 & echo $!; sleep 30");
  req.timeout = milliseconds(300);
  AttemptOutcome o = Run(req);
  EXPECT_TRUE(o.timed_out);
  EXPECT_EQ(o.signal, SIGTERM);
  EXPECT_FALSE(o.exit_code);
  EXPECT_GE(o.end - o.start, milliseconds(300));
  EXPECT_LT(o.end - o.start, seconds(10));
  const long grandchild = PrintedPid(req);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(ProcessGone(grandchild)) << "the background sleep survived the timeout";
  auto bodies = LogBodies(req);
  EXPECT_THAT(bodies,
              ::testing::Contains("sluice| timed out after 300 ms: SIGTERM to the process group"));
  EXPECT_EQ(bodies.back(), "sluice| killed by signal 15 (SIGTERM)");
}

TEST_F(ExecutorTest, SigkillFollowsWhenTheTaskIgnoresSigterm) {
  LaunchRequest req = Sh("stubborn", "trap '' TERM; echo ready; sleep 30");
  req.timeout = milliseconds(200);
  req.kill_grace = milliseconds(300);
  AttemptOutcome o = Run(req);
  EXPECT_TRUE(o.timed_out);
  EXPECT_EQ(o.signal, SIGKILL);
  EXPECT_GE(o.end - o.start, milliseconds(500));
  EXPECT_THAT(LogBodies(req),
              ::testing::Contains("sluice| still running 300 ms after SIGTERM: SIGKILL to the "
                                  "process group"));
}

TEST_F(ExecutorTest, LogHasTimeStampedLinesOfBothStreamsAndNotes) {
  LaunchRequest req = Sh("log", "echo one; echo two >&2; echo three; printf 'last'");
  AttemptOutcome o = Run(req);
  EXPECT_EQ(o.exit_code, 0);
  auto bodies = LogBodies(req);
  ASSERT_GE(bodies.size(), 6u);
  EXPECT_THAT(bodies.front(), ::testing::MatchesRegex("sluice\\| started pid [0-9]+"));
  EXPECT_EQ(bodies.back(), "sluice| exit code 0");
  // Each stream keeps its order; the two pipes are read as they become ready.
  std::vector<std::string> out, err;
  for (const auto& b : bodies) {
    if (StartsWith(b, "out| ")) out.push_back(b);
    if (StartsWith(b, "err| ")) err.push_back(b);
  }
  EXPECT_EQ(out, (std::vector<std::string>{"out| one", "out| three", "out| last"}));
  EXPECT_EQ(err, (std::vector<std::string>{"err| two"}));
}

TEST_F(ExecutorTest, TheLogEndsWithTheResultLine) {
  LaunchRequest req = Sh("result", "echo 'sluice| result: end_us=1 exit_code=0 done=1'; exit 3");
  AttemptOutcome o = Run(req);
  EXPECT_EQ(o.exit_code, 3);
  // Written just after the outcome is sent (the scheduler's turn overlaps it).
  WaitForLog(req, "Z sluice| result: ");
  const std::vector<std::string> lines = Split(Log(req), '\n');
  ASSERT_GE(lines.size(), 2u);
  ASSERT_EQ(lines.back(), "");  // the log ends with a newline
  const std::string& last = lines[lines.size() - 2];
  AttemptResult expected;
  expected.start_us = o.start.time_since_epoch().count();
  expected.end_us = o.end.time_since_epoch().count();
  expected.exit_code = 3;
  EXPECT_EQ(last.substr(27), " sluice| result: " + FormatAttemptResult(expected));
  // A task's own output cannot pass for it: it is tagged out|.
  EXPECT_THAT(LogBodies(req),
              ::testing::Contains("out| sluice| result: end_us=1 exit_code=0 done=1"));
}

TEST_F(ExecutorTest, LongOutputIsNotLost) {
  // 300,000 bytes without a newline, then 2,000 short lines.
  LaunchRequest req = Sh("long", "head -c 300000 /dev/zero | tr '\\0' x; echo; seq 1 2000");
  AttemptOutcome o = Run(req);
  EXPECT_EQ(o.exit_code, 0);
  size_t xs = 0;
  std::vector<std::string> numbers;
  for (const auto& b : LogBodies(req)) {
    if (!StartsWith(b, "out| ")) continue;
    if (b.size() > 5 && b[5] == 'x') {
      xs += b.size() - 5;
    } else {
      numbers.push_back(b.substr(5));
    }
  }
  EXPECT_EQ(xs, 300000u);
  ASSERT_EQ(numbers.size(), 2000u);
  EXPECT_EQ(numbers.front(), "1");
  EXPECT_EQ(numbers.back(), "2000");
}

TEST_F(ExecutorTest, TheLogIsCutAtItsCapOnAWholeLineAndWhatIsDroppedIsCounted) {
  LaunchRequest req = Sh("capped", "seq 1 10000");
  req.log_max_bytes = 3000;
  AttemptOutcome o = Run(req);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_TRUE(o.log_capped);
  EXPECT_EQ(o.log_error, "");
  // Line n is "TIMESTAMP out| n\n": 27 + 6 + its digits + 1 bytes. The log keeps the longest
  // run of whole lines within the cap.
  int64_t total = 0, kept = 0;
  std::vector<std::string> expected;
  for (int n = 1; n <= 10000; ++n) {
    const auto size = static_cast<int64_t>(34 + std::to_string(n).size());
    total += size;
    if (kept + size <= 3000 && expected.size() == static_cast<size_t>(n - 1)) {
      kept += size;
      expected.push_back("out| " + std::to_string(n));
    }
  }
  EXPECT_EQ(o.log_dropped, total - kept);
  std::vector<std::string> out, notes;
  for (const auto& b : LogBodies(req)) (StartsWith(b, "out| ") ? out : notes).push_back(b);
  EXPECT_EQ(out, expected);
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_EQ(notes[1],
            "sluice| the log reached log_max_bytes (3000 bytes of output): the rest of the "
            "task's output is not kept");
  EXPECT_EQ(notes[2], "sluice| exit code 0");
}

// A disk that fills while the task writes cuts the log, not the result: the outcome is the
// task's, and a later scheduler (a new executor adopting the attempt) reads the same from the
// log's last line, so a finished task is not taken for lost and run again.
TEST_F(ExecutorTest, AFullLogDiskCutsTheLogButNotTheResult) {
  const std::string logs = tmp_.path() + "/logs";
  ASSERT_TRUE(MakeDirs(logs).ok());
  Status mounted = testing::MountSmallDisk(logs, int64_t{256} * 1024);
  ASSERT_TRUE(mounted.ok()) << mounted.message();
  LaunchRequest req = Sh("full", "seq 1 100000; echo done >&2");
  AttemptOutcome o = Run(req);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_TRUE(o.error.empty()) << o.error;
  EXPECT_EQ(o.log_error, "No space left on device");
  EXPECT_FALSE(o.log_capped);
  EXPECT_GT(o.log_dropped, 3000000);  // of some 4.3 MB of lines
  WaitForLog(req, "Z sluice| result: ");
  auto bodies = LogBodies(req);
  ASSERT_GE(bodies.size(), 3u);
  EXPECT_EQ(bodies[bodies.size() - 2], "sluice| the log is cut: No space left on device; " +
                                           std::to_string(o.log_dropped) +
                                           " bytes of it were not kept");
  EXPECT_EQ(bodies.back(), "sluice| exit code 0");
  // Output kept is whole lines, from the first on.
  EXPECT_EQ(bodies[1], "out| 1");
  for (size_t i = 1; i + 2 < bodies.size(); ++i) {
    EXPECT_EQ(bodies[i], "out| " + std::to_string(i)) << "line " << i;
  }

  auto later = NewExecutor();
  ASSERT_TRUE(later->Adopt(AdoptRequest{req.key, req.attempt_path}).ok());
  AttemptOutcome adopted = WaitFor(req.key, later.get());
  EXPECT_FALSE(adopted.lost) << adopted.error;
  EXPECT_EQ(adopted.exit_code, 0);
  EXPECT_EQ(adopted.log_dropped, o.log_dropped);
  EXPECT_EQ(adopted.end, o.end);
  testing::UnmountSmallDisk(logs);
}

TEST_F(ExecutorTest, ADiskTooFullForTheLogDoesNotStartTheTask) {
  const std::string logs = tmp_.path() + "/logs";
  ASSERT_TRUE(MakeDirs(logs + "/run").ok());
  Status mounted = testing::MountSmallDisk(logs, int64_t{64} * 1024);
  ASSERT_TRUE(mounted.ok()) << mounted.message();
  ASSERT_TRUE(testing::FillDisk(logs).ok());
  LaunchRequest req = Sh("nostart", "touch " + tmp_.path() + "/ran");
  AttemptOutcome o = Run(req);
  EXPECT_FALSE(o.exit_code);
  EXPECT_EQ(o.error, "not started: no room for its log: fallocate(\"" + req.attempt_path +
                         ".log\"): No space left on device");
  EXPECT_FALSE(PathExists(tmp_.path() + "/ran"));
  testing::UnmountSmallDisk(logs);
}

TEST_F(ExecutorTest, AppliesEnvOverlayAndCwd) {
  ASSERT_EQ(::setenv("SLUICE_TEST_INHERITED", "from-scheduler", 1), 0);
  ASSERT_TRUE(MakeDirs(tmp_.path() + "/work").ok());
  LaunchRequest req = Sh("env", "echo \"$SLUICE_TEST_INHERITED $SLUICE_TEST_VAR $HOME\"; pwd");
  req.env = {{"SLUICE_TEST_VAR", "hello world"}, {"HOME", "/overridden"}};
  req.cwd = tmp_.path() + "/work";
  AttemptOutcome o = Run(req);
  ::unsetenv("SLUICE_TEST_INHERITED");
  EXPECT_EQ(o.exit_code, 0);
  std::vector<std::string> out;
  for (const auto& b : LogBodies(req)) {
    if (StartsWith(b, "out| ")) out.push_back(b.substr(5));
  }
  EXPECT_EQ(out, (std::vector<std::string>{"from-scheduler hello world /overridden",
                                           std::filesystem::canonical(req.cwd).string()}));
}

TEST_F(ExecutorTest, LooksUpTheProgramInPath) {
  LaunchRequest req = Sh("path", "");
  req.argv = {"sh", "-c", "exit 4"};
  EXPECT_EQ(Run(req).exit_code, 4);
}

TEST_F(ExecutorTest, AProgramThatCannotStartGivesTheExecError) {
  LaunchRequest req = Sh("nope", "");
  req.argv = {"./nope"};
  AttemptOutcome o = Run(req);
  EXPECT_EQ(o.error, "exec(\"./nope\"): No such file or directory");
  EXPECT_FALSE(o.exit_code);
  EXPECT_FALSE(o.signal);
  EXPECT_FALSE(o.lost);
  EXPECT_EQ(LogBodies(req),
            (std::vector<std::string>{"sluice| exec(\"./nope\"): No such file or directory"}));

  LaunchRequest bad_cwd = Sh("cwd", "true");
  bad_cwd.cwd = tmp_.path() + "/missing";
  EXPECT_EQ(Run(bad_cwd).error, "chdir(\"" + bad_cwd.cwd + "\"): No such file or directory");
}

TEST_F(ExecutorTest, KillStopsTheTask) {
  LaunchRequest req = Sh("victim", "echo started; sleep 30");
  ASSERT_TRUE(exec_->Launch(req).ok());
  WaitForLog(req, "out| started\n");
  exec_->Kill(req.key);
  AttemptOutcome o = WaitFor(req.key);
  EXPECT_EQ(o.signal, SIGTERM);
  EXPECT_FALSE(o.timed_out);
  EXPECT_THAT(LogBodies(req),
              ::testing::Contains("sluice| asked to stop: SIGTERM to the process group"));
  exec_->Kill(req.key);  // ended: a no-op
}

TEST_F(ExecutorTest, KillRightAfterLaunchIsNotLost) {
  LaunchRequest req = Sh("early", "sleep 30");
  ASSERT_TRUE(exec_->Launch(req).ok());
  exec_->Kill(req.key);
  AttemptOutcome o = WaitFor(req.key);
  EXPECT_FALSE(o.lost) << o.error;
  EXPECT_EQ(o.signal, SIGTERM);
}

TEST_F(ExecutorTest, LaunchingARunningAttemptAgainFails) {
  LaunchRequest req = Sh("twice", "sleep 30");
  ASSERT_TRUE(exec_->Launch(req).ok());
  auto again = exec_->Launch(req);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), req.attempt_path + ": attempt is already running");
  exec_->Kill(req.key);
  EXPECT_EQ(WaitFor(req.key).signal, SIGTERM);
}

TEST_F(ExecutorTest, AdoptOfAFinishedAttemptWakesTheLoop) {
  AttemptResult r;
  r.start_us = 1;
  r.end_us = 2;
  tmp_.Write("run/over.1.log", "x sluice| result: " + FormatAttemptResult(r) + "\n");
  AttemptKey key{"dag", "run", "over", 1};
  ASSERT_TRUE(exec_->Adopt(AdoptRequest{key, tmp_.path() + "/run/over.1"}).ok());
  // Its outcome is ready: a long wait must not sleep before it is taken.
  const auto start = std::chrono::steady_clock::now();
  auto outcomes = Wait(seconds(30));
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].key, key);
}

TEST_F(ExecutorTest, AdoptOfAFinishedAttemptReturnsItsOutcome) {
  AttemptResult r;
  r.start_us = 1764000000000000;
  r.end_us = 1764000001500000;
  r.exit_code = 5;
  tmp_.Write("run/done.1.log",
             "2025-11-24T16:00:01.500000Z sluice| exit code 5\n"
             "2025-11-24T16:00:01.500001Z sluice| result: " +
                 FormatAttemptResult(r) + "\n");
  AttemptKey key{"dag", "run", "done", 1};
  ASSERT_TRUE(exec_->Adopt(AdoptRequest{key, tmp_.path() + "/run/done.1"}).ok());
  EXPECT_EQ(exec_->Running(), 0u);
  auto outcomes = Wait(Duration(0));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].key, key);
  EXPECT_EQ(outcomes[0].exit_code, 5);
  EXPECT_FALSE(outcomes[0].lost);
  EXPECT_EQ(outcomes[0].start, TimePoint(Duration(1764000000000000)));
  EXPECT_EQ(outcomes[0].end, TimePoint(Duration(1764000001500000)));
}

TEST_F(ExecutorTest, AdoptAcrossExecutorInstances) {
  LaunchRequest req = Sh("adopted", "sleep 1; exit 7");
  auto launched = exec_->Launch(req);
  ASSERT_TRUE(launched.ok());
  WaitForLog(req, "sluice| started pid ");
  exec_.reset();  // the scheduler went away; the supervisor carries on
  auto b = NewExecutor();
  ASSERT_TRUE(b->Adopt(AdoptRequest{req.key, req.attempt_path}).ok());
  EXPECT_EQ(b->Running(), 1u);
  AttemptOutcome o = WaitFor(req.key, b.get());
  EXPECT_EQ(o.exit_code, 7);
  EXPECT_FALSE(o.lost);
  EXPECT_EQ(b->Running(), 0u);
}

TEST_F(ExecutorTest, AdoptWithNeitherResultNorLockIsLost) {
  tmp_.Write("run/gone.1.log", "");  // a supervisor was there: it started the task
  AttemptKey key{"dag", "run", "gone", 1};
  clock_.Advance(seconds(42));
  ASSERT_TRUE(exec_->Adopt(AdoptRequest{key, tmp_.path() + "/run/gone.1"}).ok());
  auto outcomes = Wait(Duration(0));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_TRUE(outcomes[0].lost);
  EXPECT_EQ(outcomes[0].error, "lost: supervisor exited without a result");
  EXPECT_FALSE(outcomes[0].exit_code);
  EXPECT_EQ(outcomes[0].end, kFakeNow + seconds(42));
  EXPECT_EQ(exec_->Running(), 0u);
}

TEST_F(ExecutorTest, AdoptOfAnAttemptThatNeverStartedIsNotFound) {
  AttemptKey key{"dag", "run", "never", 1};
  Status st = exec_->Adopt(AdoptRequest{key, tmp_.path() + "/run/never.1"});
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "attempt never started: no " + tmp_.path() + "/run/never.1.log");
  EXPECT_TRUE(Wait(Duration(0)).empty());
  EXPECT_EQ(exec_->Running(), 0u);
}

TEST_F(ExecutorTest, AdoptWaitsForAHeldLock) {
  // A live supervisor: it holds the lock on the attempt's log.
  tmp_.Write("run/young.1.log", "");
  int fd = ::open((tmp_.path() + "/run/young.1.log").c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  AttemptKey key{"dag", "run", "young", 1};
  ASSERT_TRUE(exec_->Adopt(AdoptRequest{key, tmp_.path() + "/run/young.1"}).ok());
  EXPECT_EQ(exec_->Running(), 1u);
  EXPECT_TRUE(Wait(Duration(0)).empty());
  // The lock's holder (this test) is no sluice-supervisor: a Kill must not signal it (its
  // SIGUSR1 would end this process).
  exec_->Kill(key);
  EXPECT_TRUE(Wait(milliseconds(50)).empty());

  AttemptResult r;
  r.start_us = 1;
  r.end_us = 2;
  r.exit_code = 0;
  tmp_.Write("run/young.1.log",
             "2025-11-24T16:00:01.500001Z sluice| result: " + FormatAttemptResult(r) + "\n");
  ::close(fd);  // the supervisor exits
  AttemptOutcome o = WaitFor(key);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_FALSE(o.lost);
  EXPECT_EQ(exec_->Running(), 0u);
}

TEST_F(ExecutorTest, AKilledSupervisorMeansALostAttemptAndTakesItsTask) {
  LaunchRequest req = Sh("orphan", "sleep 30");
  auto launched = exec_->Launch(req);
  ASSERT_TRUE(launched.ok());
  WaitForLog(req, "sluice| started pid ");
  const auto bodies = LogBodies(req);
  const long task = std::atol(bodies.front().c_str() + std::strlen("sluice| started pid "));
  ASSERT_GT(task, 0);
  ASSERT_EQ(::kill(static_cast<pid_t>(launched->pid), SIGKILL), 0);
  clock_.Advance(seconds(1));
  AttemptOutcome o = WaitFor(req.key);
  EXPECT_TRUE(o.lost);
  EXPECT_EQ(o.error, "lost: supervisor exited without a result");
  EXPECT_EQ(o.start, kFakeNow);
  EXPECT_EQ(o.end, kFakeNow + seconds(1));
  // PR_SET_PDEATHSIG: the task dies with its supervisor (asynchronously, so allow a moment).
  EXPECT_TRUE(GoneWithinDeadline(task));
}

TEST_F(ExecutorTest, SupervisorsOutliveAKilledSchedulerProcess) {
  LaunchRequest req = Sh("survivor", "sleep 1; exit 7");
  exec_.reset();
  pid_t scheduler = ::fork();
  ASSERT_GE(scheduler, 0);
  if (scheduler == 0) {
    // The "scheduler": launches, waits until the task runs, then dies by SIGKILL with no
    // chance to clean up.
    auto e = CreateLocalExecutor(SupervisorPath(), SystemClock(), *loop_);
    if (e.ok() && (*e)->Launch(req).ok()) {
      for (int i = 0; i < 2000 && Log(req).find("started pid") == std::string::npos; ++i) {
        ::usleep(1000);
      }
      ::raise(SIGKILL);
    }
    ::_exit(1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(scheduler, &status, 0), scheduler);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child could not launch";
  exec_ = NewExecutor();
  // The store may not have the supervisor's pid: its lock alone tells that it lives.
  ASSERT_TRUE(exec_->Adopt(AdoptRequest{req.key, req.attempt_path}).ok());
  AttemptOutcome o = WaitFor(req.key);
  EXPECT_EQ(o.exit_code, 7) << o.error;
  EXPECT_FALSE(o.lost);
}

TEST_F(ExecutorTest, ManyShortTasksLeaveNoZombiesAndNoFds) {
  // The first launch starts the supervisor, whose socket stays open for the executor's life.
  EXPECT_EQ(Run(Sh("warm_up", "true")).exit_code, 0);
  const int fds_before = CountOpenFds();
  int launched = 0, ended = 0;
  while (ended < 200) {
    while (launched < 200 && exec_->Running() < 2) {
      LaunchRequest req = Sh("t" + std::to_string(launched), "");
      req.argv = {"true"};
      ASSERT_TRUE(exec_->Launch(req).ok());
      ++launched;
    }
    for (const auto& o : Wait(seconds(5))) {
      EXPECT_EQ(o.exit_code, 0) << o.key.task_id << ": " << o.error;
      ++ended;
    }
  }
  EXPECT_EQ(exec_->Running(), 0u);
  EXPECT_EQ(CountZombieChildren(), 0);
  EXPECT_EQ(CountOpenFds(), fds_before);
}

TEST_F(ExecutorTest, AKilledSupervisorIsReplacedAtTheNextLaunch) {
  LaunchRequest slow = Sh("slow", "sleep 30");
  auto launched = exec_->Launch(slow);
  ASSERT_TRUE(launched.ok());
  WaitForLog(slow, "sluice| started pid ");
  // Its command line names the executor's tag folder, for pkill -f.
  auto cmdline = ReadFile("/proc/" + std::to_string(launched->pid) + "/cmdline");
  ASSERT_TRUE(cmdline.ok());
  EXPECT_EQ(*cmdline, SupervisorPath() + std::string("\0--dir\0", 7) + tmp_.path() +
                          std::string("/logs\0--serve\0", 14));
  ASSERT_EQ(::kill(static_cast<pid_t>(launched->pid), SIGKILL), 0);
  AttemptOutcome lost = WaitFor(slow.key);
  EXPECT_TRUE(lost.lost);
  EXPECT_EQ(lost.error, "lost: supervisor exited without a result");
  auto again = exec_->Launch(Sh("after", "exit 5"));
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->pid, launched->pid);
  EXPECT_EQ(WaitFor(Sh("after", "").key).exit_code, 5);
  EXPECT_EQ(CountZombieChildren(), 0);
}

TEST_F(ExecutorTest, DestroyingTheExecutorLeavesItsTasksRunning) {
  LaunchRequest req = Sh("outlives", "sleep 0.3; exit 6");
  auto launched = exec_->Launch(req);
  ASSERT_TRUE(launched.ok());
  WaitForLog(req, "sluice| started pid ");
  exec_.reset();
  EXPECT_EQ(CountZombieChildren(), 0);
  exec_ = NewExecutor();
  ASSERT_TRUE(exec_->Adopt(AdoptRequest{req.key, req.attempt_path}).ok());
  EXPECT_EQ(WaitFor(req.key).exit_code, 6);
  // Its last attempt done and its scheduler gone, the supervisor exits.
  EXPECT_TRUE(GoneWithinDeadline(launched->pid));
}

TEST_F(ExecutorTest, ALaunchThatArrivesAfterItsSchedulerDiedIsNotStarted) {
  // A supervisor that is slow to read (stopped here) gets a launch, then its socket closes:
  // the scheduler died right after asking. It must not start the attempt, which the next
  // scheduler will start itself (Adopt: not found).
  auto first = exec_->Launch(Sh("first", "true"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(WaitFor(Sh("first", "").key).exit_code, 0);
  ASSERT_EQ(::kill(static_cast<pid_t>(first->pid), SIGSTOP), 0);
  LaunchRequest late = Sh("late", "echo ran > " + tmp_.path() + "/late-ran");
  ASSERT_TRUE(exec_->Launch(late).ok());
  exec_.reset();
  ASSERT_EQ(::kill(static_cast<pid_t>(first->pid), SIGCONT), 0);
  ASSERT_TRUE(GoneWithinDeadline(first->pid));
  exec_ = NewExecutor();
  Status st = exec_->Adopt(AdoptRequest{late.key, late.attempt_path});
  EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.message();
  EXPECT_FALSE(PathExists(tmp_.path() + "/late-ran"));
  EXPECT_FALSE(PathExists(late.attempt_path + ".log"));
}

TEST_F(ExecutorTest, KillOfAnAdoptedAttemptReachesTheEarlierSupervisor) {
  LaunchRequest req = Sh("adopted_kill", "echo started; sleep 30");
  auto launched = exec_->Launch(req);
  ASSERT_TRUE(launched.ok());
  WaitForLog(req, "out| started\n");
  auto second = NewExecutor();  // the scheduler restarted while the first one lives on
  ASSERT_TRUE(second->Adopt(AdoptRequest{req.key, req.attempt_path}).ok());
  second->Kill(req.key);
  AttemptOutcome o = WaitFor(req.key, second.get());
  EXPECT_FALSE(o.lost) << o.error;
  EXPECT_EQ(o.signal, SIGTERM);
  EXPECT_THAT(LogBodies(req),
              ::testing::Contains("sluice| asked to stop: SIGTERM to the process group"));
}

TEST_F(ExecutorTest, SigtermToTheSupervisorStopsEveryAttempt) {
  LaunchRequest a = Sh("a", "echo started; sleep 30");
  LaunchRequest b = Sh("b", "echo started; sleep 30");
  auto launched = exec_->Launch(a);
  ASSERT_TRUE(launched.ok());
  ASSERT_TRUE(exec_->Launch(b).ok());
  WaitForLog(a, "out| started\n");
  WaitForLog(b, "out| started\n");
  ASSERT_EQ(::kill(static_cast<pid_t>(launched->pid), SIGTERM), 0);
  for (const auto* req : {&a, &b}) {
    AttemptOutcome o = WaitFor(req->key);
    EXPECT_FALSE(o.lost) << o.error;
    EXPECT_EQ(o.signal, SIGTERM);
  }
  // It exits once they are over; the next launch starts a new one.
  auto c = exec_->Launch(Sh("c", "exit 3"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(WaitFor(Sh("c", "").key).exit_code, 3);
}

TEST(LocalExecutorCreateTest, AMissingSupervisorIsReported) {
  FakeClock clock(kFakeNow);
  auto loop = EventLoop::Create(clock);
  ASSERT_TRUE(loop.ok());
  auto e = CreateLocalExecutor("/nonexistent/sluice-supervisor", clock, **loop);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(),
            "the task supervisor is missing (build the sluice-supervisor target): "
            "access(\"/nonexistent/sluice-supervisor\"): No such file or directory");
}

}  // namespace
}  // namespace sluice
