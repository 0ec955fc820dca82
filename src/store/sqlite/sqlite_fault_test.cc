// Fault injection: a write, sync or truncate of the database or its WAL fails at every point of
// a sequence of commits and checkpoints (fault_injection_vfs.h). A commit reported as failed
// must never appear after a crash, one reported ok must, the database must pass its integrity
// check and take further commits; and the Store that saw the error must keep working once the
// fault is gone, or fail with a clear error, never crash.
//
// The crash is real: the store runs in a forked child, which reports over a pipe what each
// call returned and then _exit()s without closing the store, leaving the WAL and the wal-index
// as a kill -9 would. The parent then opens the database on SQLite's own VFS, which rebuilds
// the wal-index from the WAL file (recovery), and checks what it finds.
#include <gmock/gmock.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "store/sqlite/fault_injection_vfs.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_suite.h"

namespace sluice {
namespace {

using ::testing::MatchesRegex;
namespace fault = sqlite::testing;

constexpr int kCommits = 10;

std::string RunId(int i) { return "r" + std::to_string(i); }

// Commit i, shaped like a scheduler turn: a new run with its task instances, an attempt and
// events, and an update of a row every commit changes (the counter's try_number becomes i).
// Every third commit is large: several pages, and B-tree leaves split.
WriteBatch Commit(int i) {
  WriteBatch b;
  b.runs = {FullRun("d", RunId(i), Jan2(i))};
  for (const char* task : {"extract", "load", "report"}) {
    b.task_instances.push_back(FullTaskInstance("d", RunId(i), task));
  }
  TaskInstanceRecord counter = FullTaskInstance("d", "base", "counter");
  counter.try_number = i;
  b.task_instances.push_back(counter);
  b.attempts = {FullAttempt("d", RunId(i), "extract", 1)};
  const int events = i % 3 == 0 ? 40 : 2;
  for (int e = 0; e < events; ++e) {
    b.events.push_back(Event(
        "task_state", "commit " + std::to_string(i) + std::string(i % 3 == 0 ? 900 : 10, '.')));
  }
  return b;
}

// What the child does, in order: commits, and checkpoints between them (Housekeep, whose
// threshold the test sets to one page), so that the WAL also restarts from its beginning.
struct Step {
  int commit;  // 0: Housekeep
};
const std::vector<Step>& Sequence() {
  static const std::vector<Step> steps = {{1}, {2}, {3}, {0}, {4},  {5}, {6},
                                          {0}, {7}, {8}, {9}, {10}, {0}};
  return steps;
}

SqliteStoreOptions FaultOptions(bool durable_full) {
  SqliteStoreOptions o;
  o.durable_full = durable_full;
  o.vfs = fault::FaultInjectionVfsName();
  o.idle_checkpoint_pages = 1;
  // A commit that takes the WAL past this many pages checkpoints inside its wal hook, after
  // the commit: a third kind of fault point.
  o.busy_checkpoint_pages = 40;
  return o;
}

struct Outcome {
  bool ok = false;
  std::string message;
};

// Runs the sequence on `store`, from the current fault plan.
std::vector<Outcome> RunSequence(Store& store) {
  std::vector<Outcome> out;
  for (const Step& step : Sequence()) {
    Status st = step.commit == 0 ? store.Housekeep() : store.Apply(Commit(step.commit));
    out.push_back({st.ok(), st.message()});
  }
  return out;
}

// Whether each part of commit i is in the store; "all" and "none" are the only right answers.
std::string PartsOf(Store& store, int i, const std::vector<EventRecord>& events) {
  int parts = 0;
  if (Must(store.GetRun("d", RunId(i))).has_value()) ++parts;
  if (Must(store.ListTaskInstances("d", RunId(i))).size() == 3) ++parts;
  if (Must(store.ListAttempts("d", RunId(i), "")).size() == 1) ++parts;
  const std::string prefix = "commit " + std::to_string(i) + ".";
  size_t n = 0;
  for (const EventRecord& e : events) n += e.detail.rfind(prefix, 0) == 0 ? 1 : 0;
  if (n == Commit(i).events.size()) ++parts;
  if (parts == 4) return "all";
  return parts == 0 && n == 0 ? "none" : "part";
}

class SqliteFaultTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    template_ = dir_.path() + "/template.db";
    auto store = OpenSqliteStore(template_);
    ASSERT_TRUE(IsOk(store));
    ASSERT_TRUE(IsOk((*store)->Migrate()));
    WriteBatch base;
    base.runs = {FullRun("d", "base", Jan2())};
    TaskInstanceRecord counter = FullTaskInstance("d", "base", "counter");
    counter.try_number = 0;
    base.task_instances = {counter};
    ASSERT_TRUE(IsOk((*store)->Apply(base)));
    // Closing the last connection checkpoints and removes the WAL: the template is one file.
  }

  // A fresh copy of the template for fault point n.
  std::string Copy(int64_t n, bool sticky) {
    std::string path = dir_.path() + "/" + std::to_string(n) + (sticky ? "s" : "t") + ".db";
    std::filesystem::copy_file(template_, path);
    return path;
  }

  // Fault points in the whole sequence, counted on a run without faults.
  int64_t CountFaultPoints() {
    auto store = OpenSqliteStoreWithOptions(Copy(0, false), FaultOptions(GetParam()));
    EXPECT_TRUE(IsOk(store));
    if (!store.ok()) return 0;
    fault::ArmFault({});
    for (const Outcome& o : RunSequence(**store)) EXPECT_TRUE(o.ok) << o.message;
    return fault::FaultPointsSeen();
  }

  TempDir dir_;
  std::string template_;
};

std::string Describe(const fault::FaultPlan& plan) {
  return std::string("fault point ") + std::to_string(plan.fail_at) +
         (plan.sticky ? " and every one after it (disk full)" : " only (I/O error)");
}

// The child's side: runs the sequence under `plan`, writes one line per step to `fd`, then
// dies without closing anything.
[[noreturn]] void RunChild(const std::string& path, bool durable_full, const fault::FaultPlan& plan,
                           int fd) {
  alarm(30);  // a hang is a failure too; SIGALRM ends the child
  std::ostringstream report;
  auto store = OpenSqliteStoreWithOptions(path, FaultOptions(durable_full));
  if (!store.ok()) {
    report << "open failed: " << store.status().message() << "\n";
  } else {
    fault::ArmFault(plan);
    for (const Outcome& o : RunSequence(**store)) report << o.ok << " " << o.message << "\n";
    report << "hit " << fault::FaultHit() << "\n";
  }
  const std::string text = report.str();
  const ssize_t written = write(fd, text.data(), text.size());
  _exit(written == static_cast<ssize_t>(text.size()) ? 0 : 3);
}

// Runs the sequence in a child that then crashes; returns each step's outcome, or a failure.
::testing::AssertionResult RunCrashingChild(const std::string& path, bool durable_full,
                                            const fault::FaultPlan& plan,
                                            std::vector<Outcome>* outcomes) {
  int fds[2];
  if (pipe(fds) != 0) return ::testing::AssertionFailure() << "pipe failed";
  const pid_t pid = fork();
  if (pid < 0) return ::testing::AssertionFailure() << "fork failed";
  if (pid == 0) {
    close(fds[0]);
    RunChild(path, durable_full, plan, fds[1]);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return ::testing::AssertionFailure() << "the child died (status " << status << "): " << text;
  }
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("hit ", 0) == 0) {
      if (line != "hit 1") return ::testing::AssertionFailure() << "the fault was never hit";
      return ::testing::AssertionSuccess();
    }
    if (line.size() < 2 || (line[0] != '0' && line[0] != '1')) {
      return ::testing::AssertionFailure() << "child: " << line;
    }
    outcomes->push_back({line[0] == '1', line.substr(2)});
  }
  return ::testing::AssertionFailure() << "the child's report ended early: " << text;
}

constexpr const char* kOutcomeUnknown = "may still be in the database after a crash";

// What the parent finds after the crash, on SQLite's own VFS: every commit reported ok, none
// reported failed, and either for one whose outcome was reported unknown; commits in order.
void ExpectRecoveredAsReported(const std::string& path, const std::vector<Outcome>& outcomes,
                               const std::string& where) {
  auto opened = OpenSqliteStore(path);
  ASSERT_TRUE(IsOk(opened)) << where;
  Store& store = **opened;
  EXPECT_TRUE(IsOk(store.Check())) << where;
  const std::vector<EventRecord> events = Must(store.ListEvents(0, 100'000));
  int last_present = 0;
  for (size_t s = 0; s < Sequence().size(); ++s) {
    const int i = Sequence()[s].commit;
    if (i == 0) continue;
    const Outcome& o = outcomes[s];
    const std::string parts = PartsOf(store, i, events);
    const std::string reported = o.ok ? "ok" : "failed: " + o.message;
    if (o.ok) {
      EXPECT_EQ(parts, "all") << where << ": commit " << i << " was reported " << reported;
    } else if (o.message.find(kOutcomeUnknown) == std::string::npos) {
      EXPECT_EQ(parts, "none") << where << ": commit " << i << " was reported " << reported;
    } else {
      EXPECT_NE(parts, "part") << where << ": commit " << i << " was reported " << reported;
    }
    if (parts == "all") last_present = i;
  }
  auto tis = Must(store.ListTaskInstances("d", "base"));
  ASSERT_EQ(tis.size(), 1u) << where;
  EXPECT_EQ(tis[0].try_number, last_present) << where << ": the counter is the last commit's";
  // The store goes on.
  ASSERT_TRUE(IsOk(store.Apply(Commit(kCommits + 1)))) << where;
  EXPECT_EQ(PartsOf(store, kCommits + 1, Must(store.ListEvents(0, 100'000))), "all") << where;
}

// SQLite's messages for the faults, after the store's name for the operation.
constexpr const char* kClearError =
    "(begin transaction|commit transaction|checkpoint the write-ahead log|upsert [a-z ]+ "
    "d/[^:]+|append event task_state): disk I/O error( \\(the "
    "write-ahead log could not be synced .*\\))?|"
    "the database .* is full \\(no space left on device\\): free space, then start the "
    "scheduler or run the command again; nothing was lost";

TEST_P(SqliteFaultTest, ACrashAfterAFailedWriteKeepsExactlyTheCommitsReportedOk) {
  const int64_t points = CountFaultPoints();
  ASSERT_GT(points, 50) << "the sequence should write many pages";
  int failed_commits = 0;
  for (int64_t n = 1; n <= points; ++n) {
    for (bool sticky : {false, true}) {
      const fault::FaultPlan plan{.fail_at = n, .sticky = sticky, .disk_full = sticky};
      const std::string where = Describe(plan) + " of " + std::to_string(points);
      const std::string path = Copy(n, sticky);
      std::vector<Outcome> outcomes;
      ASSERT_TRUE(RunCrashingChild(path, GetParam(), plan, &outcomes)) << where;
      ASSERT_EQ(outcomes.size(), Sequence().size()) << where;
      for (const Outcome& o : outcomes) {
        if (o.ok) continue;
        EXPECT_THAT(o.message, MatchesRegex(kClearError)) << where;
        ++failed_commits;
      }
      ExpectRecoveredAsReported(path, outcomes, where);
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_GT(failed_commits, 0);
}

// In one process: the store that saw the error is used again once the fault is gone. The step
// that failed is retried and every step after it succeeds; nothing is lost or doubled.
TEST_P(SqliteFaultTest, TheStoreThatSawTheErrorKeepsWorkingOnceTheFaultIsGone) {
  const int64_t points = CountFaultPoints();
  for (int64_t n = 1; n <= points; ++n) {
    for (bool sticky : {false, true}) {
      const fault::FaultPlan plan{.fail_at = n, .sticky = sticky, .disk_full = sticky};
      const std::string where = Describe(plan);
      const std::string path = Copy(n, sticky);
      {
        auto store = OpenSqliteStoreWithOptions(path, FaultOptions(GetParam()));
        ASSERT_TRUE(IsOk(store)) << where;
        fault::ArmFault(plan);
        for (const Step& step : Sequence()) {
          auto run = [&] {
            return step.commit == 0 ? (*store)->Housekeep() : (*store)->Apply(Commit(step.commit));
          };
          Status st = run();
          if (st.ok()) continue;
          // A full disk has its own code (exit code 3 at the CLI), and a message of its own.
          EXPECT_EQ(st.code(), st.message().find(" is full (") != std::string::npos
                                   ? StatusCode::kNoSpace
                                   : StatusCode::kIoError)
              << where;
          EXPECT_THAT(st.message(), MatchesRegex(kClearError)) << where;
          fault::ClearFault();
          st = run();
          ASSERT_TRUE(IsOk(st)) << where << ": the retry of step " << step.commit;
        }
        EXPECT_TRUE(fault::FaultHit()) << where;
        fault::ClearFault();
      }
      std::vector<Outcome> all_ok(Sequence().size(), Outcome{true, ""});
      ExpectRecoveredAsReported(path, all_ok, where);
      if (HasFatalFailure()) return;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Synchronous, SqliteFaultTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "Full" : "Normal";
                         });

}  // namespace
}  // namespace sluice
