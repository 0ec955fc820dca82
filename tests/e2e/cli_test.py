"""The command line of DESIGN.md §3, end to end: real binary, real processes, real SQLite."""
import os
import unittest

from sluice_e2e import SluiceTestCase

CHAIN = """\
dag: chain
params: {greeting: hello}
tasks:
  a: {run: "echo {{ params.greeting }} from {{ task_id }} try {{ try_number }}"}
  b: {needs: [a], exec: [sh, -c, "echo $SLUICE_DAG_ID/$SLUICE_TASK_ID; echo oops >&2"]}
  c: {needs: [b], run: "exit 0"}
"""


class ValidateTest(SluiceTestCase):
    def test_reports_every_error_with_location(self):
        self.write_dag("bad.yaml", """\
dag: bad
schedule: "61 * * * *"
start: 2025-01-01
timezone: Mars/Base
tasks:
  a: {run: "x", retires: 2}
  b: {run: "x", needs: [nope]}
""")
        r = self.sluice("dags", "validate")
        self.assertEqual(r.code, 1, r)
        path = os.path.join(self.dags, "bad.yaml")
        lines = r.err.strip().splitlines()
        self.assertIn(f"{path}:2:11: error: invalid cron expression '61 * * * *': "
                      "minute 61 is out of range 0-59", lines)
        self.assertIn(f"{path}:4:11: error: unknown time zone 'Mars/Base' "
                      "(use an IANA name such as America/New_York)", lines)
        self.assertIn(f"{path}:6:17: error: unknown key 'retires' (did you mean 'retries'?)", lines)
        self.assertTrue(any("needs unknown task 'nope'" in l and l.startswith(f"{path}:7:")
                            for l in lines), lines)

    def test_cycle_is_reported_with_its_path(self):
        self.write_dag("cyc.yaml", """\
dag: cyc
tasks:
  a: {run: x, needs: [c]}
  b: {run: x, needs: [a]}
  c: {run: x, needs: [b]}
""")
        r = self.sluice("dags", "validate")
        self.assertEqual(r.code, 1, r)
        self.assertIn("cycle in task dependencies: a -> b -> c -> a", r.err)

    def test_valid_folder(self):
        self.write_dag("chain.yaml", CHAIN)
        r = self.sluice("dags", "validate")
        self.assertEqual(r.code, 0, r)
        self.assertIn("1 dag(s) in 1 file(s): no errors", r.out)


class DagsTestCommandTest(SluiceTestCase):
    def test_success_json_and_logs(self):
        self.write_dag("chain.yaml", CHAIN)
        r = self.sluice("dags", "test", "chain", "--param", "greeting=hi", "--output", "json")
        self.assertEqual(r.code, 0, r)
        out = r.json()
        self.assertEqual(out["dag"], "chain")
        self.assertEqual(out["state"], "success")
        self.assertTrue(out["run_id"].startswith("manual__"))
        self.assertEqual(out["tasks"], {"a": {"state": "success", "tries": 1},
                                        "b": {"state": "success", "tries": 1},
                                        "c": {"state": "success", "tries": 1}})
        listed = self.sluice("tasks", "list", "chain", out["run_id"], "--output", "json")
        self.assertEqual(listed.code, 0, listed)
        # In the DAG's order; an unmapped task has no map index.
        self.assertEqual([(t["task"], t["map_index"], t["state"], t["tries"]) for t in listed.json()],
                         [("a", None, "success", 1), ("b", None, "success", 1),
                          ("c", None, "success", 1)])
        # The fields DESIGN.md names, and those added since (never renamed).
        self.assertEqual(sorted(listed.json()[0]), ["blocked_by", "duration", "end", "failure",
                                                    "last_poke", "last_poke_at", "log_note",
                                                    "map_index", "next_try_at", "pokes", "start",
                                                    "state", "summary", "task", "tries"])
        # A task that is no sensor has no pokes.
        self.assertEqual([(t["pokes"], t["last_poke"], t["last_poke_at"])
                          for t in listed.json()], [(0, None, None)] * 3)
        log = self.sluice("tasks", "logs", "chain", out["run_id"], "a")
        self.assertEqual(log.code, 0, log)
        self.assertRegex(log.out, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z out\| hi from a try 1\n")
        log = self.sluice("tasks", "logs", "chain", out["run_id"], "b")
        self.assertRegex(log.out, r"Z out\| chain/b\n")
        self.assertRegex(log.out, r"Z err\| oops\n")

    def test_failure_exit_code_retries_and_downstream(self):
        self.write_dag("f.yaml", """\
dag: f
tasks:
  flaky: {run: 'test "$SLUICE_TRY_NUMBER" -ge 2', retries: 1, retry_delay: 0s}
  bad: {run: "exit 3", needs: [flaky]}
  after: {run: "true", needs: [bad]}
  cleanup: {run: "true", needs: [bad], trigger: all_done}
""")
        r = self.sluice("dags", "test", "f", "--output", "json")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.json()["state"], "failed")
        self.assertEqual(r.json()["tasks"], {"flaky": {"state": "success", "tries": 2},
                                             "bad": {"state": "failed", "tries": 1},
                                             "after": {"state": "upstream_failed", "tries": 0},
                                             "cleanup": {"state": "success", "tries": 1}})

    def test_date_sets_ds(self):
        self.write_dag("d.yaml", """\
dag: d
timezone: America/New_York
tasks:
  t: {run: 'test "{{ ds }}" = 2025-03-04 && test "$SLUICE_DS_NODASH" = 20250304'}
""")
        r = self.sluice("dags", "test", "d", "--date", "2025-03-04", "--output", "json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json()["run_id"], "manual__2025-03-04T05:00:00Z")

    def test_unknown_dag_and_param(self):
        self.write_dag("chain.yaml", CHAIN)
        r = self.sluice("dags", "test", "nope")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, f"error: no dag 'nope' in {self.dags}\n")
        for cmd in (["dags", "test"], ["dags", "trigger"], ["dags", "show"], ["dags", "pause"],
                    ["schedule", "preview"]):
            r = self.sluice(*cmd, "chan")
            self.assertEqual(r.code, 2, r)
            self.assertEqual(r.err, "error: no dag 'chan'; did you mean 'chain'?\n")
        r = self.sluice("dags", "test", "chain", "--param", "greting=x")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, "error: dag 'chain' has no param 'greting' (did you mean "
                                "'greeting'?); declared: greeting\n")


class SymlinkLoopTest(SluiceTestCase):
    def test_validate_reports_a_symlink_loop_on_its_path(self):
        a = os.path.join(self.dags, "a.yaml")
        b = os.path.join(self.dags, "b.yaml")
        os.symlink(b, a)
        os.symlink(a, b)
        for args in ([], [a]):
            r = self.sluice("dags", "validate", *args)
            self.assertEqual(r.code, 1, r)
            self.assertIn(f"{a}:1:1: error: Too many levels of symbolic links\n", r.err)


class SchedulePreviewTest(SluiceTestCase):
    def test_interval_mode_in_new_york(self):
        self.write_dag("p.yaml", """\
dag: p
schedule: "30 18 * * 1-5"
timezone: America/New_York
start: 2025-01-02
tasks: {t: {run: x}}
""")
        r = self.sluice("schedule", "preview", "p", "--from", "2025-03-07T00:00:00Z",
                        "--count", "3", "--output", "json")
        self.assertEqual(r.code, 0, r)
        # Fri Mar 7 is due at Mon Mar 10 (EDT from Mar 9), so the Thursday interval comes first.
        self.assertEqual(r.json(), [
            {"logical_date": "2025-03-06T23:30:00Z", "data_interval_start": "2025-03-06T23:30:00Z",
             "data_interval_end": "2025-03-07T23:30:00Z", "due": "2025-03-07T23:30:00Z"},
            {"logical_date": "2025-03-07T23:30:00Z", "data_interval_start": "2025-03-07T23:30:00Z",
             "data_interval_end": "2025-03-10T22:30:00Z", "due": "2025-03-10T22:30:00Z"},
            {"logical_date": "2025-03-10T22:30:00Z", "data_interval_start": "2025-03-10T22:30:00Z",
             "data_interval_end": "2025-03-11T22:30:00Z", "due": "2025-03-11T22:30:00Z"},
        ])

    def test_trigger_mode(self):
        self.write_dag("p.yaml", """\
dag: p
schedule: {cron: "0 9 * * *", mode: trigger}
start: 2025-01-01
tasks: {t: {run: x}}
""")
        r = self.sluice("schedule", "preview", "p", "--from", "2025-01-05T09:00:00Z",
                        "--count", "1", "--output", "json")
        self.assertEqual(r.json(), [
            {"logical_date": "2025-01-05T09:00:00Z", "data_interval_start": "2025-01-05T09:00:00Z",
             "data_interval_end": "2025-01-05T09:00:00Z", "due": "2025-01-05T09:00:00Z"}])


class UsageErrorsTest(SluiceTestCase):
    def test_exit_code_2_and_one_line(self):
        r = self.sluice("runs", "list", "--state", "bogus")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, "error: unknown run state 'bogus' (use queued, running, success "
                                "or failed)\n")
        r = self.sluice("dags", "frobnicate")
        self.assertEqual(r.code, 2, r)
        r = self.sluice("runs", "list", "--output", "xml")
        self.assertEqual(r.code, 2, r)

    def test_bad_config_file(self):
        with open(os.path.join(self.home, "sluice.yaml"), "w") as f:
            f.write("parallelism: 2\nparalelism: 3\n")
        r = self.sluice("runs", "list")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, f"error: {self.home}/sluice.yaml:2:1: error: unknown key "
                                "'paralelism' (did you mean 'parallelism'?)\n")


class MarkKillWithoutSchedulerTest(SluiceTestCase):
    """With no scheduler, `tasks mark` writes the store and `tasks kill` says nothing runs. (With
    one, the scheduler carries both out: StandaloneTest in scheduler_test.py.)"""

    def test_mark_then_kill(self):
        self.write_dag("chain.yaml", CHAIN)
        run_id = self.sluice("dags", "trigger", "chain", "--output", "json").json()["run_id"]
        r = self.sluice("tasks", "mark", "chain", run_id, "a", "--state", "success")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, f"marked task 'a' of run '{run_id}' success (was none)\n")
        self.assertEqual(self.tasks("chain", run_id)["a"]["state"], "success")
        r = self.sluice("tasks", "mark", "chain", run_id, "a", "--state", "skipped")
        self.assertEqual(r.code, 2, r)
        r = self.sluice("tasks", "mark", "chain", run_id, "nope", "--state", "failed")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, "error: dag 'chain' has no task 'nope'\n")
        r = self.sluice("tasks", "kill", "chain", run_id, "b")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.err, f"error: no scheduler is running on {self.db} (home {self.home}): nothing runs "
                                f"(task 'b' of run '{run_id}' is none)\n")



class RunsClearCancelTest(SluiceTestCase):
    """`runs cancel` and `runs clear` with a scheduler (it carries them out) and without."""

    def test_cancel_a_running_run_then_clear_only_its_failed_tasks(self):
        self.write_dag("nap.yaml", "dag: nap\ntasks:\n  quick: {run: \"true\"}\n"
                                   "  long: {run: \"sleep 60\"}\n"
                                   "  after: {run: \"true\", needs: [long]}\n")
        self.start_scheduler()
        run_id = self.sluice("dags", "trigger", "nap", "--output", "json").json()["run_id"]
        self.wait_until(lambda: self.tasks("nap", run_id)["long"]["state"] == "running"
                        and self.tasks("nap", run_id)["quick"]["state"] == "success",
                        what="long to run")
        r = self.sluice("runs", "cancel", "nap", run_id)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, f"cancelled run '{run_id}' of dag 'nap': 2 task(s) failed, "
                                "1 of them stopped while running\n")
        self.wait_until(lambda: self.runs("nap")[0]["state"] == "failed", what="the run to end")
        tasks = self.tasks("nap", run_id)
        self.assertEqual({t: (v["state"], v["tries"]) for t, v in tasks.items()},
                         {"quick": ("success", 1), "long": ("failed", 1), "after": ("failed", 0)})
        r = self.sluice("runs", "cancel", "nap", run_id)
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.err, f"error: run '{run_id}' of dag 'nap' has already ended (failed): "
                                "nothing to cancel\n")
        r = self.sluice("runs", "clear", "nap", run_id, "--only-failed", "--output", "json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.json(), {"dag": "nap", "run_id": run_id, "only_failed": True,
                                    "message": "cleared 2 task(s): long, after"})
        self.wait_until(lambda: self.tasks("nap", run_id)["long"]["tries"] == 2,
                        what="long to run again")
        self.assertEqual(self.tasks("nap", run_id)["quick"]["tries"], 1)

    def test_without_a_scheduler_the_store_is_written(self):
        self.write_dag("chain.yaml", CHAIN)
        run_id = self.sluice("dags", "trigger", "chain", "--output", "json").json()["run_id"]
        r = self.sluice("runs", "clear", "chain", run_id, "--only-failed")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.err, f"error: run '{run_id}' has no failed task to clear\n")
        r = self.sluice("runs", "cancel", "chain", run_id)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, f"cancelled run '{run_id}' of dag 'chain': 3 task(s) failed; "
                                "the run is failed\n")
        self.assertEqual(self.runs("chain")[0]["state"], "failed")
        r = self.sluice("tasks", "clear", "chain", run_id, "b", "--upstream")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "cleared 2 task(s): a, b; they run when a scheduler is running\n")
        self.assertEqual(self.runs("chain")[0]["state"], "queued")
        r = self.sluice("runs", "cancel", "chain", "manual__nope")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, "error: no run 'manual__nope' of dag 'chain'\n")

class DbTest(SluiceTestCase):
    def test_migrate_then_check(self):
        r = self.sluice("db", "check")
        self.assertEqual(r.code, 1, r)
        self.assertIn("sluice db migrate", r.err)
        r = self.sluice("db", "migrate")
        self.assertEqual(r.code, 0, r)
        self.assertIn("migrated from schema version 0 to", r.out)
        r = self.sluice("db", "check")
        self.assertEqual(r.code, 0, r)
        self.assertIn("passes its integrity check", r.out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
