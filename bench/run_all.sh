#!/usr/bin/env bash
# Every benchmark, one after another, on the release build. Figures print to stdout; copy them
# into bench/RESULTS.md with the date and this command.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
echo "== shapes: sluice vs ninja -j2, same graphs of 'true' tasks, parallelism 2"
python3 bench/shapes.py "$BUILD" --repeat "${REPEAT:-5}" ${BENCH_ROOT:+--root "$BENCH_ROOT"}
echo "== scheduler RSS with 1,000 DAGs of 10 tasks"
python3 bench/rss.py "$BUILD"
echo "== pure scheduling throughput (no-op executor, durable SQLite)"
"$BUILD/bench/scheduler_throughput" --benchmark_min_time=1
echo "== a simulated year of hourly runs, with and without depends_on_past"
"$BUILD/bench/depends_on_past_year" --repeat 3
echo "== HTTP API and web UI (issue 15): 1,000 DAGs, big's grid of 365 runs, wrk -c64, chromium"
python3 bench/api.py "$BUILD" --duration "${API_DURATION:-30}" ${BENCH_ROOT:+--root "$BENCH_ROOT"}
