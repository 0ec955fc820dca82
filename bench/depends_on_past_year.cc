// A simulated year of hourly runs (8,760 runs of a three-task chain) through the real driver,
// planner and a durable SQLite store, in simulated time: once without depends_on_past (the
// baseline) and once with it on every task. depends_on_past reads the previous run from the
// planner's memory, so the two should take about as long; it once listed the DAG's history
// from the store at each evaluation (59 s against 1.6 s).
//
// usage: depends_on_past_year [--repeat N]   (prints each run's seconds, the medians, the ratio)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "operators/builtin.h"
#include "scheduler/driver.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/fake_executor.h"
#include "tests/testing/static_dag_source.h"
#include "tests/testing/temp_dir.h"
#include "time/time_format.h"

namespace sluice {
namespace {

std::string Dag(bool depends_on_past) {
  const std::string dop = depends_on_past ? ", depends_on_past: true" : "";
  return "dag: year\nschedule: \"@hourly\"\nstart: 2025-01-01\n"
         "tasks:\n"
         "  extract: {run: \"x\"" +
         dop +
         "}\n"
         "  transform: {run: \"x\", needs: [extract]" +
         dop +
         "}\n"
         "  load: {run: \"x\", needs: [transform]" +
         dop + "}\n";
}

// Seconds of real time for the year, or a negative number on failure (printed).
double RunYear(bool depends_on_past, int* runs_done) {
  TempDir dir;
  auto store = OpenSqliteStore(dir.path() + "/sluice.db");
  if (!store.ok() || !(*store)->Migrate().ok()) {
    std::fprintf(stderr, "cannot open the store\n");
    return -1;
  }
  const TimePoint start = *ParseTimePoint("2025-01-01T00:00:00Z", TimeZone::Utc());
  const TimePoint end = *ParseTimePoint("2026-01-01T00:30:00Z", TimeZone::Utc());
  FakeClock clock(start);
  auto loop = EventLoop::CreateSimulated(clock, [&](TimePoint t) { clock.Set(t); });
  if (!loop.ok()) return -1;
  FakeExecutor executor(clock, **loop);
  StaticDagSource source;
  source.Set(dir.path() + "/year.yaml", Dag(depends_on_past));
  DriverOptions options;
  options.planner.logs_dir = dir.path() + "/logs";
  options.dag_poll_interval = std::chrono::hours(1);
  options.command_poll_interval = std::chrono::hours(1);
  Driver driver(options, **store, executor, **loop, source);
  const auto t0 = std::chrono::steady_clock::now();
  Status st = driver.Start();
  while (st.ok() && clock.Now() < end) st = driver.Turn(end - clock.Now());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!st.ok()) {
    std::fprintf(stderr, "turn: %s\n", st.message().c_str());
    return -1;
  }
  RunFilter ok;
  ok.dag_id = "year";
  ok.state = RunState::kSuccess;
  auto runs = (*store)->ListRuns(ok);
  *runs_done = runs.ok() ? static_cast<int>(runs->size()) : -1;
  return seconds;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  if (!sluice::RegisterBuiltinOperators().ok()) return 1;
  int repeat = 3;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0) repeat = std::max(1, std::atoi(argv[i + 1]));
  }
  std::vector<double> plain, with_past;
  for (int i = 0; i < repeat; ++i) {
    for (bool dop : {false, true}) {
      int runs = 0;
      double s = sluice::RunYear(dop, &runs);
      if (s < 0) return 1;
      std::printf("%-28s %7.3f s  (%d successful runs)\n",
                  dop ? "with depends_on_past" : "without (baseline)", s, runs);
      if (runs != 8760) {
        std::fprintf(stderr, "expected 8760 successful hourly runs, got %d\n", runs);
        return 1;
      }
      (dop ? with_past : plain).push_back(s);
    }
  }
  const double a = sluice::Median(plain), b = sluice::Median(with_past);
  std::printf("median: without %.3f s, with depends_on_past %.3f s, ratio %.2fx\n", a, b, b / a);
  return 0;
}
