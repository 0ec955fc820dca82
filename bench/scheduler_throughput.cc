// Pure scheduling throughput: task instances per second through the real scheduler and a real
// SQLite store (WAL, synchronous=NORMAL: every transition committed before it is acted on),
// with an executor that ends every attempt at once. What is measured is Sluice's own cost per
// task instance: readiness, state transitions, events, attempts, transactions.
#include <benchmark/benchmark.h>

#include <deque>

#include "operators/builtin.h"
#include "scheduler/driver.h"
#include "tests/testing/static_dag_source.h"
#include "tests/testing/temp_dir.h"

namespace sluice {
namespace {

class InstantExecutor final : public Executor {
 public:
  explicit InstantExecutor(Clock& clock) : clock_(clock) {}
  Result<LaunchedAttempt> Launch(const LaunchRequest& request) override {
    AttemptOutcome o;
    o.key = request.key;
    o.exit_code = 0;
    o.start = o.end = clock_.Now();
    const TimePoint start = o.start;
    done_.push_back(std::move(o));
    return LaunchedAttempt{1, start, AttemptLogPath(request.attempt_path)};
  }
  Status Adopt(const AdoptRequest&) override { return Status::Ok(); }
  void Kill(const AttemptKey&) override {}
  std::vector<AttemptOutcome> TakeEnded() override {
    std::vector<AttemptOutcome> out(done_.begin(), done_.end());
    done_.clear();
    return out;
  }
  size_t Running() const override { return done_.size(); }

 private:
  Clock& clock_;
  std::deque<AttemptOutcome> done_;
};

std::string FanOutDag(int width) {
  std::string yaml = "dag: wide\ntasks:\n  root: {run: \"true\"}\n";
  std::string join = "  join: {run: \"true\", needs: [";
  for (int i = 0; i < width; ++i) {
    yaml += "  w" + std::to_string(i) + ": {run: \"true\", needs: [root]}\n";
    join += (i ? ", w" : "w") + std::to_string(i);
  }
  return yaml + join + "]}\n";
}

std::string ChainDag(int length) {
  std::string yaml = "dag: wide\ntasks:\n  t0: {run: \"true\"}\n";
  for (int i = 1; i < length; ++i) {
    yaml +=
        "  t" + std::to_string(i) + ": {run: \"true\", needs: [t" + std::to_string(i - 1) + "]}\n";
  }
  return yaml;
}

// One run's world: a fresh database, the DAG, the executor and the scheduler.
struct Fixture {
  Fixture(const std::string& yaml, int parallelism) {
    auto opened = OpenSqliteStore(dir.path() + "/sluice.db");
    if (!opened.ok() || !(*opened)->Migrate().ok()) return;
    store = std::move(*opened);
    source.Set(dir.path() + "/wide.yaml", yaml);
    auto made = EventLoop::Create(SystemClock());
    if (!made.ok()) return;
    loop = std::move(*made);
    DriverOptions options;
    options.planner.parallelism = parallelism;
    options.planner.logs_dir = dir.path() + "/logs";
    scheduler = std::make_unique<Driver>(options, *store, executor, *loop, source);
    if (!scheduler->Start().ok()) scheduler.reset();
  }
  TempDir dir;
  std::unique_ptr<Store> store;
  StaticDagSource source;
  InstantExecutor executor{SystemClock()};
  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<Driver> scheduler;
};

// Times from the trigger to the run's end: every turn and its commit. Opening and migrating
// the database, loading the DAG, and at the end closing the store (its last checkpoint) and
// deleting the folder are not scheduling, and are not timed.
void RunDag(benchmark::State& state, const std::string& yaml, int tasks, int parallelism) {
  for (auto _ : state) {
    state.PauseTiming();
    auto fixture = std::make_unique<Fixture>(yaml, parallelism);
    if (!fixture->scheduler) {
      state.SkipWithError("could not open the store or start the scheduler");
      return;
    }
    Driver& scheduler = *fixture->scheduler;
    state.ResumeTiming();
    auto run = scheduler.TriggerRun("wide", "{}");
    while (scheduler.active_runs() > 0) {
      if (!scheduler.Turn(Duration::zero()).ok()) {
        state.SkipWithError("turn");
        return;
      }
    }
    benchmark::DoNotOptimize(run);
    state.PauseTiming();
    // Not timed: every task ran and the run succeeded, so the figure is of real work.
    auto attempts = fixture->store->ListAttempts("wide", *run, "");
    if (!run.ok() || scheduler.GetRunState("wide", *run).value() != RunState::kSuccess ||
        !attempts.ok() || static_cast<int>(attempts->size()) != tasks) {
      state.SkipWithError("the run did not succeed with one attempt per task");
      return;
    }
    fixture.reset();
    state.ResumeTiming();
  }
  state.counters["task_instances_per_s"] =
      benchmark::Counter(static_cast<double>(tasks) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

void BM_FanOut1000(benchmark::State& state) {
  RunDag(state, FanOutDag(1000), 1002, static_cast<int>(state.range(0)));
}
void BM_Chain1000(benchmark::State& state) { RunDag(state, ChainDag(1000), 1000, 2); }
// Long enough that the write-ahead log reaches the store's busy-checkpoint bound (8192 pages)
// with no idle moment: the sustained rate, checkpoints included.
void BM_Chain5000(benchmark::State& state) { RunDag(state, ChainDag(5000), 5000, 2); }

BENCHMARK(BM_FanOut1000)->Arg(2)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Chain1000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Chain5000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  // Before any DAG is read: the task kinds are a process-wide registry.
  if (!sluice::RegisterBuiltinOperators().ok()) return 1;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
