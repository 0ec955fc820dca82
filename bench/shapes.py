#!/usr/bin/env python3
"""Side-by-side wall time of Sluice and ninja on the same graphs of `true` tasks, both with 2
task processes at once (ninja -j2, SLUICE_PARALLELISM=2), every Sluice transition durable in
SQLite. Also the time from an upstream task's end to its downstream's start, from the attempt
times Sluice's supervisors record (chain of 200).

usage: bench/shapes.py BUILD_DIR [--repeat N] [--root DIR]"""
import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time


def chain(n):
    return {f"t{i}": ([f"t{i-1}"] if i else []) for i in range(n)}


def fan_out(n):
    g = {"root": []}
    for i in range(n):
        g[f"w{i}"] = ["root"]
    g["join"] = [f"w{i}" for i in range(n)]
    return g


def layers(depth, width):
    g = {}
    for l in range(depth):
        for i in range(width):
            g[f"l{l}_{i}"] = [f"l{l-1}_{j}" for j in range(width)] if l else []
    return g


SHAPES = {
    "chain_200": chain(200),
    "fan_out_1000_join": fan_out(1000),
    "layers_100x10_full": layers(100, 10),
}


def write_dag(path, name, graph):
    with open(path, "w") as f:
        f.write(f"dag: {name}\ntasks:\n")
        for task, needs in graph.items():
            f.write(f"  {task}: {{run: \"true\"")
            if needs:
                f.write(", needs: [" + ", ".join(needs) + "]")
            f.write("}\n")


def write_ninja(path, graph):
    with open(path, "w") as f:
        f.write("rule run\n  command = true\n\n")
        for task, needs in graph.items():
            deps = (" | " + " ".join(needs)) if needs else ""
            f.write(f"build {task}: run{deps}\n")
        f.write("default " + " ".join(graph) + "\n")


def time_it(cmd, env, cwd, setup=None):
    if setup:
        setup()
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return dt, p.stdout


def percentile(values, q):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(q / 100.0 * (len(values) - 1)))))
    return values[k]


def handoff_gaps(db, dag_id, n, run_ids=None):
    """Milliseconds from each upstream task's end to its downstream's start in the chain
    t0 -> t1 -> ... -> t{n-1} of DAG dag_id, from the attempt times the supervisors record; every
    edge of every run (or of the runs in run_ids)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT run_id, task_id, start_us, end_us FROM attempts "
                           "WHERE dag_id=? AND state='success'", (dag_id,)).fetchall()
    finally:
        con.close()
    by_run = {}
    for run_id, task, start, end in rows:
        if run_ids is None or run_id in run_ids:
            by_run.setdefault(run_id, {})[task] = (start, end)
    gaps = []
    for tasks in by_run.values():
        for i in range(1, n):
            a, b = tasks.get(f"t{i-1}"), tasks.get(f"t{i}")
            if a and b:
                gaps.append((b[0] - a[1]) / 1000.0)
    return gaps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--root", help="folder for the homes and ninja's folders (default: BUILD_DIR)")
    args = ap.parse_args()
    sluice = os.path.abspath(os.path.join(args.build_dir, "sluice"))
    # Homes (and ninja's folders) live beside the build, on the same disk a real SLUICE_HOME
    # would be, unless --root names another folder. On ext4 WITHOUT a journal (this project's
    # VM) that matters: creating a file in a block group where many files were deleted in the
    # last minutes scans past each of them (find_inode_bit -> recently_deleted), measured at
    # 460 us per file instead of 22 us after a test run. ninja creates no file per task, Sluice
    # one log per attempt, so there the figure depends on the disk's recent history. RESULTS.md
    # gives figures on a journaled ext4 (a loop mount, see there) and on the VM's own disk.
    root = tempfile.mkdtemp(prefix="sluice-bench-", dir=os.path.abspath(args.root or args.build_dir))
    results = {}
    try:
        for name, graph in SHAPES.items():
            d = os.path.join(root, name)
            os.makedirs(os.path.join(d, "dags"))
            write_dag(os.path.join(d, "dags", f"{name}.yaml"), name, graph)
            write_ninja(os.path.join(d, "build.ninja"), graph)
            env = dict(os.environ, SLUICE_HOME=os.path.join(d, "home"),
                       SLUICE_DAGS=os.path.join(d, "dags"), SLUICE_PARALLELISM="2")
            ninja_log = os.path.join(d, ".ninja_log")
            ninja_deps = os.path.join(d, ".ninja_deps")

            def clean():
                for p in (ninja_log, ninja_deps):
                    if os.path.exists(p):
                        os.remove(p)
            ninja_t, sluice_t = [], []
            for _ in range(args.repeat):  # interleaved so both see the same machine state
                ninja_t.append(time_it(["ninja", "-j2", "-C", d], env, d, clean)[0])
                sluice_t.append(time_it([sluice, "dags", "test", name, "--output", "json"],
                                        env, d)[0])
            nm, sm = statistics.median(ninja_t), statistics.median(sluice_t)
            results[name] = {"tasks": len(graph), "ninja_s": nm, "sluice_s": sm, "ratio": sm / nm,
                             "ninja_all_s": ninja_t, "sluice_all_s": sluice_t}
            print(f"{name:22s} {len(graph):5d} tasks  ninja -j2 {nm:6.3f}s  "
                  f"sluice {sm:6.3f}s  ratio {sm / nm:4.2f}x  (median of {args.repeat}; "
                  f"ninja {min(ninja_t):.3f}-{max(ninja_t):.3f}s, "
                  f"sluice {min(sluice_t):.3f}-{max(sluice_t):.3f}s)", flush=True)

        # Hand-off latency on the chain: downstream start minus upstream end, every edge of
        # every repetition.
        gaps = handoff_gaps(os.path.join(root, "chain_200", "home", "sluice.db"), "chain_200", 200)
        results["handoff_ms"] = {"p50": percentile(gaps, 50), "p99": percentile(gaps, 99),
                                 "n": len(gaps)}
        print(f"upstream end -> downstream start: p50 {percentile(gaps, 50):.3f} ms, "
              f"p99 {percentile(gaps, 99):.3f} ms over {len(gaps)} hand-offs", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
