#!/usr/bin/env python3
"""10,000 sensors waiting at once (issue 14): `sensor: file` tasks on missing files, poked every
30 s by a real scheduler. Prints the scheduler's CPU seconds per minute of waiting (utime +
stime from /proc/PID/stat over a measured window), its RSS, and how long a sensor whose file
appears takes to succeed (the goal: under 1 CPU-second per minute, under 50 MB, within one poke
interval).

usage: bench/sensors.py BUILD_DIR [--dags 100] [--sensors 100] [--window 60]"""
import argparse
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time

from rss import rss_kb  # bench/rss.py: VmRSS of a process, in kB


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def count(db, sql, *args):
    try:
        con = sqlite3.connect(db, timeout=5)
        try:
            return con.execute(sql, args).fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--dags", type=int, default=100)
    ap.add_argument("--sensors", type=int, default=100, help="per DAG")
    ap.add_argument("--window", type=float, default=60.0, help="seconds of CPU measured")
    args = ap.parse_args()
    sluice = os.path.join(args.build, "sluice")
    total = args.dags * args.sensors
    root = tempfile.mkdtemp(prefix="sluice-sensors-")
    p = None
    try:
        dags = os.path.join(root, "dags")
        home = os.path.join(root, "home")
        os.makedirs(os.path.join(dags, "in"))
        for d in range(args.dags):
            with open(os.path.join(dags, f"s{d:03d}.yaml"), "w") as f:
                f.write(f"dag: s{d:03d}\nmax_active_tasks: 16\ntasks:\n")
                for t in range(args.sensors):
                    f.write(f"  w{t:03d}: {{sensor: file, path: \"in/{{{{ dag_id }}}}.{{{{ task_id }}}}"
                            f".csv\", poke_every: 30s}}\n")
        env = dict(os.environ, SLUICE_HOME=home, SLUICE_DAGS=dags)
        db = os.path.join(home, "sluice.db")
        log = open(os.path.join(root, "scheduler.log"), "w")
        p = subprocess.Popen([sluice, "scheduler"], env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while count(db, "SELECT count(*) FROM dags") != args.dags:
            if time.monotonic() > deadline:
                raise SystemExit("the DAGs were not loaded in 120 s")
            time.sleep(0.2)
        time.sleep(2.5)  # two more folder polls: steady state
        loaded_mb = rss_kb(p.pid) / 1024
        print(f"RSS with the {args.dags} DAGs of {total} sensor tasks loaded, no run: "
              f"{loaded_mb:.1f} MB")
        for d in range(args.dags):
            subprocess.run([sluice, "dags", "unpause", f"s{d:03d}"], env=env, check=False,
                           capture_output=True)
            subprocess.run([sluice, "dags", "trigger", f"s{d:03d}"], env=env, check=True,
                           capture_output=True)
        started = time.monotonic()
        deadline = started + 300
        sql = "SELECT count(*) FROM task_instances WHERE state = 'deferred' AND pokes >= 1"
        while count(db, sql) != total:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {count(db, sql)} of {total} sensors waiting after 300 s")
            time.sleep(0.5)
        print(f"{total} sensors deferred and poked once in {time.monotonic() - started:.1f} s")
        time.sleep(5)
        cpu0, t0 = proc_cpu_s(p.pid), time.monotonic()
        time.sleep(args.window)
        cpu1, t1 = proc_cpu_s(p.pid), time.monotonic()
        cpu_per_min = (cpu1 - cpu0) / (t1 - t0) * 60
        rss = rss_kb(p.pid) / 1024
        pokes = count(db, "SELECT sum(pokes) FROM task_instances")
        print(f"CPU: {cpu_per_min:.2f} CPU-s per minute of waiting ({cpu1 - cpu0:.2f} s over "
              f"{t1 - t0:.0f} s); RSS: {rss:.1f} MB ({rss - loaded_mb:+.1f} MB for the waiting "
              f"sensors); pokes so far: {pokes}")
        # One file appears: its sensor succeeds at its next poke, within 30 s.
        with open(os.path.join(dags, "in", "s000.w000.csv"), "w") as f:
            f.write("x\n")
        appeared = time.monotonic()
        sql = ("SELECT count(*) FROM task_instances WHERE dag_id = 's000' AND task_id = 'w000' "
               "AND state = 'success'")
        while count(db, sql) != 1:
            if time.monotonic() - appeared > 90:
                raise SystemExit("the sensor did not succeed within 90 s")
            time.sleep(0.05)
        print(f"file appeared -> success: {time.monotonic() - appeared:.1f} s (poke_every 30s)")
    finally:
        if p is not None:
            p.terminate()
            p.wait(timeout=60)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
