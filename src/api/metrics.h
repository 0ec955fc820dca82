#pragma once
// GET /metrics: Sluice's figures in Prometheus' text exposition format (version 0.0.4), every
// name prefixed `sluice_`, with HELP and TYPE lines (docs/metrics.md lists them all).
//
// Two sources. The store, which any process can read, gives runs and task instances by DAG and
// state, attempt durations per DAG, and the DAG files with errors that the scheduler recorded.
// A scheduler running in the same process (`sluice standalone`) also gives what only its memory
// holds: turn latency, turns and commits, tasks waiting for a slot, slots used and in all, open
// runs. Without one (`sluice api` alone) those are absent rather than zero, so a dashboard does
// not mistake a process that runs no scheduler for an idle scheduler.

#include <array>
#include <string>

#include "scheduler/scheduler_stats.h"
#include "sluice/status.h"
#include "sluice/store.h"

namespace sluice::api {

// Upper bounds of sluice_attempt_duration_seconds' buckets: 100 ms to 6 h, as tasks range from
// a quick check to a long batch job.
inline constexpr std::array<Duration, 14> kAttemptDurationBounds = {
    std::chrono::milliseconds(100), std::chrono::milliseconds(500), std::chrono::seconds(1),
    std::chrono::seconds(5),        std::chrono::seconds(10),       std::chrono::seconds(30),
    std::chrono::minutes(1),        std::chrono::minutes(2),        std::chrono::minutes(5),
    std::chrono::minutes(10),       std::chrono::minutes(30),       std::chrono::hours(1),
    std::chrono::hours(2),          std::chrono::hours(6)};

// The Content-Type of RenderMetrics' text.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The body of GET /metrics (kMetricsContentType). Reads `store` with three
// aggregate queries and its DAG list; `stats` is the in-process scheduler's, or null when none
// runs here (its metrics are then left out). A store error is returned with the context
// "metrics" and nothing is rendered. Thread safety: as `store`'s (one thread at a time);
// `stats` may be written meanwhile.
Result<std::string> RenderMetrics(Store& store, const SchedulerStats* stats);

// `value` as a label value in the text format: backslash, double quote and newline escaped.
std::string EscapeLabelValue(const std::string& value);

}  // namespace sluice::api
