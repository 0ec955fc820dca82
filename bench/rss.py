#!/usr/bin/env python3
"""Scheduler RSS with 1,000 DAGs of 10 tasks loaded (each with a daily schedule whose start
lies ahead, so timetables are live but nothing runs), against the same scheduler with an
empty DAGs folder as the baseline.

usage: bench/rss.py BUILD_DIR [--dags N]"""
import argparse
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(sluice, n_dags):
    root = tempfile.mkdtemp(prefix="sluice-rss-")
    try:
        dags = os.path.join(root, "dags")
        os.makedirs(dags)
        for d in range(n_dags):
            with open(os.path.join(dags, f"dag_{d:04d}.yaml"), "w") as f:
                f.write(f"dag: dag_{d:04d}\nschedule: \"{d % 60} {d % 24} * * *\"\n"
                        "timezone: America/New_York\nstart: 2030-01-01\ntasks:\n")
                for t in range(10):
                    needs = f", needs: [t{t-1}]" if t else ""
                    f.write(f"  t{t}: {{run: \"echo {{{{ ds }}}} {t}\", retries: 2{needs}}}\n")
        env = dict(os.environ, SLUICE_HOME=os.path.join(root, "home"), SLUICE_DAGS=dags)
        p = subprocess.Popen([sluice, "scheduler"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        db = os.path.join(root, "home", "sluice.db")
        deadline = time.monotonic() + 120
        loaded = -1
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if os.path.exists(db):
                try:
                    loaded = sqlite3.connect(db).execute("SELECT count(*) FROM dags").fetchone()[0]
                except sqlite3.Error:
                    continue
                if loaded == n_dags:
                    break
        time.sleep(2.5)  # two more folder polls: steady state
        kb = rss_kb(p.pid)
        p.terminate()
        p.wait(timeout=30)
        return kb, loaded
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--dags", type=int, default=1000)
    args = ap.parse_args()
    sluice = os.path.abspath(os.path.join(args.build_dir, "sluice"))
    base, _ = measure(sluice, 0)
    kb, loaded = measure(sluice, args.dags)
    print(f"scheduler RSS, empty DAGs folder (baseline): {base / 1024:.1f} MB")
    print(f"scheduler RSS, {loaded} DAGs x 10 tasks loaded: {kb / 1024:.1f} MB "
          f"({(kb - base) / max(1, loaded):.1f} kB per DAG; goal < 100 MB)")


if __name__ == "__main__":
    main()
