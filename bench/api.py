#!/usr/bin/env python3
"""Issue 15's speed figures for the HTTP API and the web UI, each against a baseline measured in
the same run:

  setup    1,000 DAG files (cron and preset schedules the API describes in words, tags, owners,
           every tenth a chain of 10) and `big`, 100 tasks in 10 layers, whose 365 daily runs
           the scheduler itself makes (catchup over the past year, `end` set so there are 365,
           SLUICE_PARALLELISM=16); an admin user and a viewer API token made with the CLI.
  latency  `sluice api` on that store, one keep-alive client, warm-up then N sequential GETs of
           each route: big's grid (the UI's ?limit=25 and ?limit=365), the DAG list (the UI's
           ?limit=1000, and the default page), one run's task list. Baseline: GET
           /api/v1/health on the same server (HTTP + routing). Goal: < 100 ms.
  load     `sluice standalone` (scheduler running): a chain of 200 `true` tasks triggered again
           each time its run ends, first with no HTTP load (the baseline hand-off), then while
           `wrk -c64 -t2 -dDURATION --latency` sends a mix of the routes above (bench/api_load.lua);
           and wrk on /api/v1/health alone as the HTTP floor. Goals: wrk p99 < 250 ms, hand-off
           p50 < 2 ms and p99 < 10 ms (measured as bench/shapes.py does).
  ui       bench/ui_first_page.mjs in headless chromium: navigation -> the login button visible
           (a new browser context each time), and login submitted -> the DAG list's first rows
           visible; baseline: a static HTML page with a login button from python3 -m http.server.

usage: bench/api.py BUILD_DIR [--only setup,latency,load,ui] [--root DIR | --keep DIR]
                    [--n 100] [--duration 30] [--baseline-runs 10] [--ui-repeat 5]
The store is made in a temp folder in BUILD_DIR (or --root DIR) and removed at the end; with
--keep DIR it is made in DIR once and reused by later runs. The UI step needs playwright-core in
web/node_modules (`./dev build`; WEB_DIR names another web/ folder) and /usr/bin/chromium."""
import argparse
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shapes import chain, handoff_gaps, percentile, write_dag  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "bench-password-1"
N_DAGS = 1000
BIG_RUNS = 365
CHAIN = 200

SCHEDULES = ["0 2 * * *", "30 18 * * 1-5", "*/15 * * * *", "@hourly", "@daily", "@weekly",
             "0 9 1 * *", "15 6 * * mon,wed,fri", "every 15m", "0 */4 * * *", "@monthly",
             "45 23 * * 0"]
ZONES = ["UTC", "America/New_York", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney"]
TEAMS = ["data-eng", "finance", "marketing", "ml-platform", "risk", "growth", "ops"]
TAGS = ["ingest", "finance", "reports", "ml", "hourly", "vendor", "warehouse", "export", "pii"]
BROWSER_ENCODING = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what chromium 156 sends
KINDS = ["ingest", "export", "report", "sync", "train", "rollup", "audit", "backup"]


def say(*a):
    print(*a, flush=True)


def loadavg():
    """The machine's load when a section starts: RESULTS.md records it beside the figures."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---------------------------------------------------------------- set-up


def big_graph():
    """100 tasks in 10 layers of 10; each task needs two tasks of the layer above (itself and its
    right neighbour), an ETL fan-in/fan-out shape rather than a full bipartite join."""
    g = {}
    for l in range(10):
        for i in range(10):
            g[f"l{l}_{i}"] = [f"l{l-1}_{i}", f"l{l-1}_{(i + 1) % 10}"] if l else []
    return g


def write_dags(dags, big_start):
    for d in range(N_DAGS):
        team = TEAMS[d % len(TEAMS)]
        name = f"{team.replace('-', '_')}_{KINDS[d % len(KINDS)]}_{d:04d}"
        sched = SCHEDULES[d % len(SCHEDULES)]
        tags = ", ".join(sorted({TAGS[d % len(TAGS)], TAGS[(d * 7 + 3) % len(TAGS)]}))
        lines = [f"dag: {name}",
                 f"description: {KINDS[d % len(KINDS)]} for {team}, feed {d % 37}",
                 f"owner: {team}", f"tags: [{tags}]", f"schedule: \"{sched}\"",
                 f"timezone: {ZONES[d % len(ZONES)]}",
                 # Ahead of now: timetables are live (next run shown) but nothing runs.
                 "start: 2030-01-01", "defaults: {retries: 2, retry_delay: 1m}", "tasks:"]
        n_tasks = 10 if d % 10 == 0 else 1 + d % 3
        for t in range(n_tasks):
            needs = f", needs: [t{t-1}]" if t else ""
            lines.append(f"  t{t}: {{run: \"echo {{{{ ds }}}} {t}\"{needs}}}")
        with open(os.path.join(dags, f"{name}.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")
    end = big_start + datetime.timedelta(days=BIG_RUNS - 1)
    with open(os.path.join(dags, "big.yaml"), "w") as f:
        f.write("dag: big\ndescription: 100 tasks in 10 layers, a year of daily runs\n"
                "owner: data-eng\ntags: [bench]\nschedule: \"@daily\"\n"
                f"start: {big_start.isoformat()}\nend: {end.isoformat()}\ncatchup: true\n"
                "max_active_runs: 16\ntasks:\n")
        for task, needs in big_graph().items():
            f.write(f"  {task}: {{run: \"true\"")
            if needs:
                f.write(", needs: [" + ", ".join(needs) + "]")
            f.write("}\n")
    write_dag(os.path.join(dags, "chain_200.yaml"), "chain_200", chain(CHAIN))
    with open(os.path.join(dags, "chain_200.yaml"), "a") as f:
        f.write("max_active_runs: 1\n")


def cli(sluice, env, *args, stdin=None):
    p = subprocess.run([sluice, *args], env=env, input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"sluice {' '.join(args)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p.stdout


def count_runs(sluice, env, dag, state):
    out = cli(sluice, env, "runs", "list", "--dag", dag, "--state", state, "--limit", "1000",
              "--output", "json")
    return len(json.loads(out))


def setup(sluice, root):
    home, dags = os.path.join(root, "home"), os.path.join(root, "dags")
    env = dict(os.environ, SLUICE_HOME=home, SLUICE_DAGS=dags, SLUICE_PARALLELISM="16")
    marker = os.path.join(root, "setup.json")
    if os.path.exists(marker):
        with open(marker) as f:
            info = json.load(f)
        say(f"set-up: reusing {root} (made in {info['setup_s']:.1f} s)")
        return env, info
    os.makedirs(home)
    os.makedirs(dags)
    t0 = time.perf_counter()
    today = datetime.datetime.now(datetime.timezone.utc).date()
    write_dags(dags, today - datetime.timedelta(days=BIG_RUNS))
    cli(sluice, env, "users", "create", "admin", "--role", "admin", stdin=PASSWORD + "\n")
    cli(sluice, env, "users", "create", "viewer", "--role", "viewer", stdin=PASSWORD + "\n")
    token = cli(sluice, env, "tokens", "create", "--user", "viewer", "--label", "bench").strip()
    t_files = time.perf_counter() - t0
    sched = subprocess.Popen([sluice, "scheduler"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 1800
        done = 0
        while done < BIG_RUNS:
            if time.monotonic() > deadline or sched.poll() is not None:
                raise SystemExit(f"set-up: {done} of {BIG_RUNS} runs of big succeeded "
                                 f"(scheduler exit {sched.poll()})")
            time.sleep(2)
            done = count_runs(sluice, env, "big", "success")
    finally:
        sched.send_signal(signal.SIGTERM)
        sched.wait(timeout=60)
    failed = count_runs(sluice, env, "big", "failed")
    dt = time.perf_counter() - t0
    info = {"setup_s": dt, "files_users_s": t_files, "token": token, "big_runs": done,
            "big_failed": failed}
    with open(marker, "w") as f:
        json.dump(info, f)
    say(f"set-up: {N_DAGS} DAG files + big (100 tasks) + chain_200, users, token: "
        f"{t_files:.1f} s; {done} runs of big ({done * 100} task instances, {failed} failed runs) "
        f"made by `sluice scheduler` (catchup, parallelism 16): {dt - t_files:.1f} s; "
        f"total {dt:.1f} s")
    return env, info


# ---------------------------------------------------------------- servers and clients


class Server:
    """`sluice api` or `sluice standalone` on port 0; the URL is read from what it prints."""

    def __init__(self, sluice, env, mode):
        self.out = tempfile.TemporaryFile()
        self.p = subprocess.Popen([sluice, mode, "--listen", "127.0.0.1:0"], env=env,
                                  stdout=self.out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            self.out.seek(0)
            text = self.out.read().decode(errors="replace")
            m = re.search(r"http://127\.0\.0\.1:(\d+)", text)
            if m:
                self.port = int(m.group(1))
                break
            if self.p.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"sluice {mode} printed no URL:\n{text}")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


class Client:
    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def get(self, path, extra=None):
        headers = dict(self.headers, **(extra or {}))
        try:
            self.conn.request("GET", path, headers=headers)
            r = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # The server closes a connection idle for 5 s or after 1,000 requests: reconnect.
            self.conn.close()
            self.conn.request("GET", path, headers=headers)
            r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit(f"GET {path}: {r.status} {body[:300]!r}")
        return body

    def json(self, path):
        return json.loads(self.get(path))


def routes(client):
    """The routes measured, as (label, path); one run of big is picked from the API."""
    run = client.json("/api/v1/runs?dag=big&limit=1")["runs"][0]["run_id"]
    q = urllib.parse.quote(run, safe="")
    return [
        ("grid big ?limit=25 (UI default)", "/api/v1/dags/big/grid?limit=25"),
        ("grid big ?limit=365", "/api/v1/dags/big/grid?limit=365"),
        ("dags ?limit=1000 (UI's call)", "/api/v1/dags?limit=1000"),
        ("dags (default page of 100)", "/api/v1/dags"),
        ("tasks of one run of big", f"/api/v1/dags/big/runs/{q}/tasks"),
    ]


def pct(values):
    return percentile(values, 50), percentile(values, 99), max(values)


# ---------------------------------------------------------------- 2. single-request latency


def latency(sluice, env, info, n):
    srv = Server(sluice, env, "api")
    try:
        c = Client(srv.port, info["token"])
        table = [("health (baseline: HTTP + routing)", "/api/v1/health", None)]
        table += [(label, path, None) for label, path in routes(c)]
        # What a browser gets: chromium sends this Accept-Encoding, and the server then picks a
        # compression for the body (python's and wrk's requests above send none).
        # Brotli at its default quality takes seconds on the 365-run grid: only the UI's two
        # first calls, and fewer times.
        table += [(f"{label}, {BROWSER_ENCODING['Accept-Encoding']}", path, BROWSER_ENCODING)
                  for label, path, _ in (table[1], table[3])]
        results = {}
        for label, path, extra in table:
            count = n if extra is None else max(10, n // 5)
            for _ in range(10 if extra is None else 2):  # warm-up: connection, page cache
                size = len(c.get(path, extra))
            ms = []
            for _ in range(count):
                t0 = time.perf_counter()
                c.get(path, extra)
                ms.append((time.perf_counter() - t0) * 1000)
            # The same with a new connection per request: the first request on a connection
            # is answered at once, later ones on a kept-alive connection can wait for the
            # client's delayed ACK when the server writes its head and body separately.
            fresh = [float("nan")]
            for _ in range(max(10, n // 5) if extra is None else 0):
                t0 = time.perf_counter()
                Client(srv.port, info["token"]).get(path, extra)
                fresh.append((time.perf_counter() - t0) * 1000)
            fresh = fresh[1:] or fresh
            results[label] = {"path": path, "bytes": size, "n": count, **dict(zip(("p50", "p99", "max"),
                                                                          pct(ms))),
                              "fresh_p50": percentile(fresh, 50)}
        base = results[table[0][0]]["p50"]
        say(f"single-request latency, `sluice api`, keep-alive, {n} sequential GETs each "
            f"after 10 warm-up ({max(10, n // 5)} after 2 for the Accept-Encoding rows; ms; "
            f"ratio = p50 / health p50; the same with a new connection per request, "
            f"{max(10, n // 5)} times):")
        fbase = results[table[0][0]]["fresh_p50"]
        say(f"  {'route':58s} {'bytes':>8s} {'p50':>8s} {'p99':>8s} {'max':>8s} {'ratio':>7s}  "
            f"goal <100 ms | new connection each: {'p50':>8s} {'ratio':>7s}")
        for label, r in results.items():
            goal = "-" if r["path"] == "/api/v1/health" else ("met" if r["p99"] < 100 else "NOT met")
            say(f"  {label:58s} {r['bytes']:8d} {r['p50']:8.2f} {r['p99']:8.2f} {r['max']:8.2f} "
                f"{r['p50'] / base:6.1f}x  {goal:12s} | {'':20s} " +
                (f"{r['fresh_p50']:8.2f} {r['fresh_p50'] / fbase:6.1f}x"
                 if r["fresh_p50"] == r["fresh_p50"] else f"{'-':>8s} {'-':>7s}"))
        return results
    finally:
        srv.stop()


# ---------------------------------------------------------------- 3. under load


def newest_run(sluice, env):
    return json.loads(cli(sluice, env, "runs", "list", "--dag", "chain_200", "--limit", "1",
                          "--output", "json"))[0]


def chain_runs(sluice, env, until, durations):
    """Triggers chain_200 again each time its run ends, until until() says stop and the run in
    flight has ended (until gets the run ids so far); returns the run ids. Run ends are polled
    with `sluice runs list` every 100 ms, not through the API: under wrk's 64 kept-alive
    connections a 65th connection waits for one of the server's 32 threads until wrk stops. Each
    run's duration (s) is appended to durations."""
    ids = []
    while True:
        out = json.loads(cli(sluice, env, "dags", "trigger", "chain_200", "--output", "json"))
        run = out["run_id"]
        ids.append(run)
        deadline = time.monotonic() + 300
        while (r := newest_run(sluice, env))["run_id"] != run or r["state"] not in ("success",
                                                                                   "failed"):
            if time.monotonic() > deadline:
                raise SystemExit(f"chain_200 run {run} did not end in 300 s")
            time.sleep(0.1)
        durations.append(r["duration"])
        if until(ids):
            return ids


def wrk(url, token, paths, duration):
    env = dict(os.environ, SLUICE_TOKEN=token, SLUICE_PATHS=" ".join(paths))
    p = subprocess.Popen(["wrk", "-c64", "-t2", f"-d{duration}s", "--latency", "--timeout", "10s",
                          "-s", os.path.join(HERE, "api_load.lua"), url],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p


def wrk_figures(text):
    def ms(s):
        v, unit = re.match(r"([\d.]+)(us|ms|s|m)", s).groups()
        return float(v) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
    lat = {m.group(1): ms(m.group(2)) for m in re.finditer(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    errs = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: (.*)", text)
    return {"p50": lat["50"], "p99": lat["99"], "rps": rps,
            "non2xx": int(errs.group(1)) if errs else 0, "socket_errors": sock.group(1) if sock else ""}


def load(sluice, env, info, duration, baseline_runs):
    env = dict(env, SLUICE_PARALLELISM="2")
    srv = Server(sluice, env, "standalone")
    try:
        c = Client(srv.port, info["token"])
        paths = [p for _, p in routes(c)]
        db = os.path.join(env["SLUICE_HOME"], "sluice.db")
        chain_runs(sluice, env, lambda ids: True, [])  # warm-up run, not counted
        # Baseline: the same chain on the same server, with no HTTP load.
        quiet_s = []
        quiet = chain_runs(sluice, env, lambda ids: len(ids) >= baseline_runs, quiet_s)
        quiet_gaps = handoff_gaps(db, "chain_200", CHAIN, set(quiet))
        # wrk on the health route: the server's HTTP floor under 64 connections.
        w = wrk(srv.url, info["token"], ["/api/v1/health"], max(5, duration // 3))
        floor = wrk_figures(w.communicate()[0])
        # Under load: the route mix while the chain keeps running.
        w = wrk(srv.url, info["token"], paths, duration)
        loaded_s = []
        loaded = chain_runs(sluice, env, lambda ids: w.poll() is not None, loaded_s)
        text = w.communicate()[0]
        if w.returncode != 0:
            raise SystemExit(f"wrk failed:\n{text}")
        mix = wrk_figures(text)
        loaded_gaps = handoff_gaps(db, "chain_200", CHAIN, set(loaded))
        # What the UI itself asks while a user watches big (its grid's default 25 runs, the DAG
        # list's one call, a run's tasks), without the 365-run grid no page asks for.
        ui_paths = [p for label, p in routes(c) if "limit=365" not in p and "default page" not in label]
        w = wrk(srv.url, info["token"], ui_paths, duration)
        ui_mix = wrk_figures(w.communicate()[0])
    finally:
        srv.stop()
    q50, q99, _ = pct(quiet_gaps)
    l50, l99, _ = pct(loaded_gaps)
    say(f"under load: `sluice standalone` (scheduler running, parallelism 2), wrk -c64 -t2 "
        f"-d{duration}s --latency, routes in turn: {', '.join(paths)}")
    say(f"  wrk route mix:       p50 {mix['p50']:8.2f} ms  p99 {mix['p99']:8.2f} ms  "
        f"{mix['rps']:8.1f} req/s  non-2xx {mix['non2xx']}  {mix['socket_errors']}  "
        f"goal p99 < 250 ms: {'met' if mix['p99'] < 250 else 'NOT met'}")
    say(f"  wrk the UI's mix:     p50 {ui_mix['p50']:8.2f} ms  p99 {ui_mix['p99']:8.2f} ms  "
        f"{ui_mix['rps']:8.1f} req/s  non-2xx {ui_mix['non2xx']}  ({', '.join(ui_paths)})  "
        f"goal p99 < 250 ms: {'met' if ui_mix['p99'] < 250 else 'NOT met'}")
    say(f"  wrk health (floor):  p50 {floor['p50']:8.2f} ms  p99 {floor['p99']:8.2f} ms  "
        f"{floor['rps']:8.1f} req/s  (mix/floor p99 {mix['p99'] / floor['p99']:.1f}x)")
    say(f"  hand-off chain_200, no HTTP load (baseline): p50 {q50:.3f} ms  p99 {q99:.3f} ms  "
        f"({len(quiet)} runs, {len(quiet_gaps)} hand-offs; a run takes {statistics.median(quiet_s):.2f} s)")
    ok = l50 < 2 and l99 < 10
    say(f"  hand-off chain_200, under wrk:               p50 {l50:.3f} ms  p99 {l99:.3f} ms  "
        f"({len(loaded)} runs, {len(loaded_gaps)} hand-offs; a run takes "
        f"{statistics.median(loaded_s):.2f} s; {l50 / q50:.1f}x / {l99 / q99:.1f}x "
        f"the baseline)  goal p50 < 2, p99 < 10 ms: {'met' if ok else 'NOT met'}")
    return {"mix": mix, "ui_mix": ui_mix, "ui_paths": ui_paths, "floor": floor, "paths": paths,
            "handoff_quiet": {"p50": q50, "p99": q99, "runs": len(quiet), "n": len(quiet_gaps),
                              "run_s": quiet_s},
            "handoff_load": {"p50": l50, "p99": l99, "runs": len(loaded), "n": len(loaded_gaps),
                             "run_s": loaded_s}}


# ---------------------------------------------------------------- 4. the UI's first page


def ui(sluice, env, root, repeat):
    static = os.path.join(root, "static")
    os.makedirs(static, exist_ok=True)
    with open(os.path.join(static, "index.html"), "w") as f:
        f.write("<!doctype html><html><head><meta charset=utf-8><title>static</title></head>"
                "<body><form><label>User <input name=user></label>"
                "<label>Password <input type=password name=password></label>"
                "<button type=submit>Log in</button></form></body></html>\n")
    http_srv = subprocess.Popen([sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1",
                                 "--directory", static], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    line = http_srv.stdout.readline()
    static_url = "http://127.0.0.1:" + re.search(r"port (\d+)", line).group(1) + "/index.html"
    srv = Server(sluice, env, "api")
    try:
        p = subprocess.run(["node", os.path.join(HERE, "ui_first_page.mjs"), srv.url, "admin",
                            PASSWORD, static_url, str(repeat)], capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"ui_first_page.mjs failed:\n{p.stdout}\n{p.stderr}")
        r = json.loads(p.stdout.strip().splitlines()[-1])
    finally:
        srv.stop()
        http_srv.terminate()
        http_srv.wait()
    med = lambda k: sorted(r[k])[len(r[k]) // 2]  # noqa: E731
    say(f"UI first page, headless chromium, a new browser context each time, {repeat} times "
        f"(ms; baseline: a static login form from python3 -m http.server):")
    say(f"  static page -> button visible (baseline): median {med('static'):7.1f}  max {max(r['static']):7.1f}")
    say(f"  sluice UI -> 'Log in' visible:            median {med('login_page'):7.1f}  "
        f"max {max(r['login_page']):7.1f}  ({med('login_page') / med('static'):.1f}x)  goal <1000 ms: "
        f"{'met' if max(r['login_page']) < 1000 else 'NOT met'}")
    say(f"  log in -> first DAG rows visible ({r['rows']} rows): median {med('dag_list'):7.1f}  "
        f"max {max(r['dag_list']):7.1f}")
    if r["dags_response_end"]:
        say(f"    of which: GET /api/v1/dags?limit=1000 sent at median {med('dags_request_start'):7.1f}, "
            f"its response in at {med('dags_response_end'):7.1f}; the rest is the browser drawing "
            f"the rows")
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--only", default="latency,load,ui")
    ap.add_argument("--root", help="folder for the temp store (default: BUILD_DIR), removed after")
    ap.add_argument("--keep", help="make the store in this folder once and reuse it later (while "
                    "working on this script)")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("--baseline-runs", type=int, default=10)
    ap.add_argument("--ui-repeat", type=int, default=5)
    args = ap.parse_args()
    sluice = os.path.abspath(os.path.join(args.build_dir, "sluice"))
    keep = bool(args.keep)
    root = os.path.abspath(args.keep) if keep else tempfile.mkdtemp(
        prefix="sluice-apibench-", dir=os.path.abspath(args.root or args.build_dir))
    os.makedirs(root, exist_ok=True)
    out = {}
    try:
        env, info = setup(sluice, root)
        out["setup"] = {k: v for k, v in info.items() if k != "token"}
        only = args.only.split(",")
        say(f"machine: {os.cpu_count()} CPUs, load average {loadavg()} before the measurements")
        if "latency" in only:
            out["latency"] = latency(sluice, env, info, args.n)
        if "load" in only:
            out["load"] = load(sluice, env, info, args.duration, args.baseline_runs)
        if "ui" in only:
            out["ui"] = ui(sluice, env, root, args.ui_repeat)
        say(f"machine: load average {loadavg()} after")
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
