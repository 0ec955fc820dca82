#pragma once
// What a running scheduler says about itself for /metrics (src/api/metrics.h): how long its
// turns take, how much work waits and runs, how many DAG files are broken. The store cannot
// answer these: they live in the driver's memory. The driver writes them at the end of each
// turn (DriverOptions::stats); an HTTP thread reads a consistent copy of them at a scrape.
//
// Threading: thread-safe. One mutex, held for a few dozen instructions by either side, so a
// scrape never delays a turn by more than that.

#include <array>
#include <cstdint>
#include <mutex>

#include "sluice/clock.h"

namespace sluice {

// The driver's figures at the end of a turn.
struct SchedulerFigures {
  int64_t queued_tasks = 0;      // task instances ready to start, waiting for a free slot
  int64_t running_attempts = 0;  // attempts running now: executor slots used
  int64_t parallelism = 0;       // executor slots in all (`parallelism`)
  int64_t dag_file_errors = 0;   // DAG files with an error (broken, or a DAG id defined twice)
  int64_t active_runs = 0;       // open runs (queued or running) the scheduler holds
  uint64_t commits = 0;          // store transactions the driver committed since it started
};

class SchedulerStats {
 public:
  // Upper bounds of the turn-latency buckets, 100 µs to 10 s: from a turn that commits nothing
  // to one stalled on its disk. A SQLite commit of 100 transitions takes about 1.2 ms here, 2.4
  // ms with `durability: full` (src/store/README.md), so most turns land in the low buckets.
  static constexpr std::array<Duration, 16> kTurnLatencyBounds = {
      Duration(100),       Duration(250),       Duration(500),       Duration(1'000),
      Duration(2'500),     Duration(5'000),     Duration(10'000),    Duration(25'000),
      Duration(50'000),    Duration(100'000),   Duration(250'000),   Duration(500'000),
      Duration(1'000'000), Duration(2'500'000), Duration(5'000'000), Duration(10'000'000)};

  // A consistent copy of everything, as a scrape reads it.
  struct Snapshot {
    // Turns whose latency was at most kTurnLatencyBounds[i], cumulative (Prometheus' `le`).
    std::array<uint64_t, kTurnLatencyBounds.size()> turn_latency_cumulative{};
    uint64_t turns = 0;           // every turn recorded: the +Inf bucket
    Duration turn_latency_sum{};  // of every turn recorded
    SchedulerFigures figures;     // as last recorded; all zero before that
  };

  // A turn ended: `latency` is from the moment its events woke it to its commit done (negative,
  // after a step back of the clock, counts as zero); `figures` are the driver's now.
  void RecordTurn(Duration latency, const SchedulerFigures& figures);
  // The figures alone, when no turn ended (the driver's Start).
  void Publish(const SchedulerFigures& figures);

  Snapshot Read() const;

 private:
  mutable std::mutex mu_;
  Snapshot current_;  // guarded by mu_; buckets kept cumulative as they are written
};

}  // namespace sluice
