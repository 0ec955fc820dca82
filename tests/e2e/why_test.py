"""Trust at the edges, end to end: why a task waits (`tasks why`, `blocked_by`), why an attempt
failed and how long things took (`tasks list`, `runs list`), `runs list --since/--limit`, exit
codes, and `tasks kill` stopping a task's whole process group."""
import os
import re
import unittest

from sluice_e2e import SluiceTestCase

CHAIN = """\
dag: chain
tasks:
  a: {run: "sleep 60"}
  b: {needs: [a], run: "true"}
"""


def alive(pid):
    """True while `pid` runs (a zombie, which has ended, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def read(path):
    """The text of `path`, or "" while it does not exist."""
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


class WhyTest(SluiceTestCase):
    def test_with_a_scheduler_an_upstream_holds_the_task(self):
        self.write_dag("chain.yaml", CHAIN)
        self.start_scheduler()
        run_id = self.sluice("dags", "trigger", "chain", "--output", "json").json()["run_id"]
        self.wait_until(lambda: self.tasks("chain", run_id)["a"]["state"] == "running",
                        what="task a to run")
        r = self.sluice("tasks", "why", "chain", run_id, "b")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "b is none: held by trigger_rule\n"
                                "  trigger_rule: all_success waits for 1 of 1 upstream task(s): "
                                "a (running)\n")
        r = self.sluice("tasks", "why", "chain", run_id, "b", "--output", "json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json(), {
            "dag": "chain", "run_id": run_id, "task": "b", "state": "none",
            "summary": "held by trigger_rule",
            "blocked_by": [{"rule": "trigger_rule",
                            "text": "all_success waits for 1 of 1 upstream task(s): a (running)",
                            "trigger_rule": "all_success", "upstream_total": 1,
                            "upstream_done": 0,
                            "waiting_for": [{"task": "a", "state": "running"}]}]})
        r = self.sluice("tasks", "why", "chain", run_id, "a")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, r"^a is running: try 1 since \S+Z on \S+, claimed by local@\S+ "
                                r"until \S+Z\n$")
        tasks = self.tasks("chain", run_id)
        self.assertEqual(tasks["a"]["blocked_by"], [])
        self.assertEqual([b["rule"] for b in tasks["b"]["blocked_by"]], ["trigger_rule"])
        self.assertIsNone(tasks["b"]["duration"])
        self.assertGreaterEqual(tasks["a"]["duration"], 0)

        r = self.sluice("tasks", "why", "chain", run_id, "nope")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, f"error: dag 'chain' has no task 'nope' in run '{run_id}'\n")
        r = self.sluice("tasks", "why", "chain", "manual__nope", "a")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, "error: no run 'manual__nope' of dag 'chain'\n")

    def test_without_a_scheduler_a_paused_dag_and_the_missing_scheduler_hold_it(self):
        self.write_dag("chain.yaml", CHAIN)
        self.assertEqual(self.sluice("dags", "pause", "chain").code, 0)
        run_id = self.sluice("dags", "trigger", "chain", "--output", "json").json()["run_id"]
        r = self.sluice("tasks", "why", "chain", run_id, "a")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out,
                         "a is none: held by paused, scheduler\n"
                         "  paused: the run is queued and dag chain is paused: `sluice dags "
                         "unpause chain` lets it start\n"
                         f"  scheduler: no scheduler is running on {self.db} (home {self.home}): start one "
                         "(sluice scheduler)\n")
        self.assertEqual([b["rule"] for b in self.tasks("chain", run_id)["a"]["blocked_by"]],
                         ["paused", "scheduler"])


FAILING = """\
dag: failing
tasks:
  ok: {run: "true"}
  bad: {run: "exit 3"}
  slow: {run: "sleep 30", timeout: 1s}
  after: {needs: [bad], run: "true"}
"""


class FailureAndDurationTest(SluiceTestCase):
    def test_tasks_list_says_why_attempts_failed_and_how_long_tasks_took(self):
        self.write_dag("failing.yaml", FAILING)
        r = self.sluice("dags", "test", "failing", "--output", "json")
        self.assertEqual(r.code, 1, r)
        run_id = r.json()["run_id"]
        tasks = self.tasks("failing", run_id)
        self.assertEqual({k: (v["state"], v["failure"]) for k, v in tasks.items()}, {
            "ok": ("success", None),
            "bad": ("failed", "exit code 3"),
            "slow": ("failed", "timed out: killed by signal 15 (SIGTERM)"),
            "after": ("upstream_failed", None)})
        self.assertGreaterEqual(tasks["slow"]["duration"], 1.0)
        self.assertLess(tasks["slow"]["duration"], 30.0)
        self.assertIsNone(tasks["after"]["duration"])
        # Every field that was there before is kept.
        for t in tasks.values():
            self.assertEqual(set(t), {"task", "map_index", "state", "tries", "start", "end",
                                      "duration", "failure", "log_note", "pokes", "last_poke",
                                      "last_poke_at", "blocked_by", "next_try_at", "summary"})
        table = self.sluice("tasks", "list", "failing", run_id)
        self.assertEqual(table.code, 0, table)
        lines = table.out.splitlines()
        self.assertEqual(lines[0].split(),
                         ["TASK", "STATE", "TRIES", "START", "END", "DURATION", "REASON"])
        bad = [line for line in lines if line.startswith("bad ")][0]
        self.assertTrue(bad.endswith("  exit code 3"), bad)
        # Durations for people: 3ms or <1ms under a second, never 3261us.
        self.assertRegex(bad, r" (<1ms|\d+ms|\d+s) +exit code 3$")
        self.assertNotRegex(table.out, r"\d+us\b")
        slow = [line for line in lines if line.startswith("slow ")][0]
        self.assertRegex(slow, r" [12]s +timed out: killed by signal 15 \(SIGTERM\)$")

        r = self.sluice("tasks", "why", "failing", run_id, "bad")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, r"^bad is failed: ended at \S+Z: exit code 3 \(try 1\)\n$")

        runs = self.runs("failing")
        self.assertEqual(len(runs), 1)
        self.assertEqual(set(runs[0]), {"dag", "run_id", "state", "logical_date", "start", "end",
                                        "duration", "sla_missed", "sla_missed_at"})
        self.assertFalse(runs[0]["sla_missed"])
        self.assertGreaterEqual(runs[0]["duration"], 1.0)
        table = self.sluice("runs", "list")
        self.assertEqual(table.out.splitlines()[0].split(),
                         ["DAG", "RUN", "STATE", "LOGICAL_DATE", "START", "END", "DURATION"])
        self.assertNotRegex(table.out, r"\d+us\b")


class RunsListFiltersTest(SluiceTestCase):
    def test_since_limit_and_an_unknown_dag(self):
        self.write_dag("d.yaml", "dag: d\ntasks:\n  t: {run: \"true\"}\n")
        for date in ("2025-01-01", "2025-01-02", "2025-01-03"):
            r = self.sluice("dags", "test", "d", "--date", date)
            self.assertEqual(r.code, 0, r)

        def ids(*args):
            r = self.sluice("runs", "list", "--output", "json", *args)
            self.assertEqual(r.code, 0, r)
            return [x["logical_date"] for x in r.json()]

        self.assertEqual(ids("--since", "2025-01-02"),
                         ["2025-01-03T00:00:00Z", "2025-01-02T00:00:00Z"])
        self.assertEqual(ids("--since", "2025-01-02T00:00:01Z"), ["2025-01-03T00:00:00Z"])
        self.assertEqual(ids("--limit", "2"), ["2025-01-03T00:00:00Z", "2025-01-02T00:00:00Z"])
        self.assertEqual(ids("--since", "2025-01-01", "--limit", "1"), ["2025-01-03T00:00:00Z"])
        self.assertEqual(ids("--since", "2h"), [])
        self.assertEqual(ids("--dag", "d", "--since", "3650d"), [
            "2025-01-03T00:00:00Z", "2025-01-02T00:00:00Z", "2025-01-01T00:00:00Z"])

        for bad in ("2025", "yesterday", "2 days"):
            r = self.sluice("runs", "list", "--since", bad)
            self.assertEqual(r.code, 2, r)
            self.assertEqual(r.err, f"error: invalid --since '{bad}' (use a date 2025-03-04, a "
                                    "UTC date and time 2025-03-04T05:06:07Z, or a duration back "
                                    "from now: 30m, 2h, 3d)\n")
        r = self.sluice("runs", "list", "--limit", "0")
        self.assertEqual(r.code, 2, r)
        r = self.sluice("runs", "list", "--dag", "nope")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, f"error: no dag 'nope' in {self.dags}\n")
        r = self.sluice("tasks", "list", "nope", "manual__x")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, "error: no dag 'nope'\n")


class KillTest(SluiceTestCase):
    def test_kill_stops_the_whole_process_group_and_the_task_fails_without_retry(self):
        child = os.path.join(self.root, "child.pid")
        self.write_dag("slow.yaml", "dag: slow\ntasks:\n  t:\n    retries: 3\n    retry_delay: 1s\n"
                                    f"    run: \"sleep 300 & echo $! > {child}; sleep 300\"\n")
        self.start_scheduler()
        run_id = self.sluice("dags", "trigger", "slow", "--output", "json").json()["run_id"]
        self.wait_until(lambda: read(child), what="the task's background child to start")
        pid = int(read(child))
        self.assertTrue(alive(pid))
        r = self.sluice("tasks", "kill", "slow", run_id, "t")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, f"killed task 't' of run '{run_id}' (try 1)\n")
        self.wait_until(lambda: self.tasks("slow", run_id)["t"]["state"] == "failed",
                        what="the task to fail")
        self.wait_until(lambda: not alive(pid), timeout=15, what="the background child to end")
        t = self.tasks("slow", run_id)["t"]
        self.assertEqual((t["state"], t["tries"]), ("failed", 1))
        self.assertTrue(t["failure"].startswith("killed by hand (sluice tasks kill)"), t)
        self.wait_until(lambda: self.runs("slow")[0]["state"] == "failed", what="the run to fail")
        # Retries were left, yet none came.
        self.assertEqual(self.tasks("slow", run_id)["t"]["tries"], 1)
        # Usage errors are exit 2 (an unknown task); a kill of a task that does not run is 1.
        r = self.sluice("tasks", "kill", "slow", run_id, "nope")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, "error: dag 'slow' has no task 'nope'\n")
        r = self.sluice("tasks", "clear", "slow", run_id, "nope")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, "error: dag 'slow' has no task 'nope'\n")
        r = self.sluice("tasks", "kill", "slow", run_id, "t")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.err, f"error: task 't' of run '{run_id}' is not running (its run is "
                                "not open)\n")


if __name__ == "__main__":
    unittest.main()
