// Pure scheduling throughput: task instances per second through the real scheduler and a real
// SQLite store (WAL, synchronous=NORMAL: every transition committed before it is acted on),
// with an executor that ends every attempt at once. What is measured is Sluice's own cost per
// task instance: readiness, state transitions, events, attempts, transactions.
#include <benchmark/benchmark.h>

#include <deque>

#include "scheduler/scheduler.h"
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
  std::vector<AttemptOutcome> Wait(Duration) override {
    std::vector<AttemptOutcome> out(done_.begin(), done_.end());
    done_.clear();
    return out;
  }
  void Wake() override {}
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
    SchedulerOptions options;
    options.parallelism = parallelism;
    options.logs_dir = dir.path() + "/logs";
    scheduler = std::make_unique<Scheduler>(options, *store, executor, SystemClock(), source);
    if (!scheduler->Start().ok()) scheduler.reset();
  }
  TempDir dir;
  std::unique_ptr<Store> store;
  StaticDagSource source;
  InstantExecutor executor{SystemClock()};
  std::unique_ptr<Scheduler> scheduler;
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
    Scheduler& scheduler = *fixture->scheduler;
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

BENCHMARK_MAIN();
