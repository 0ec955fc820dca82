"""`sluice standalone` end to end: triggers, the DAGs folder being watched, pause, clear, kill,
mark."""
import os
import signal
import socket
import subprocess
import time
import unittest

from sluice_e2e import SLUICE, SluiceTestCase

HELLO = """\
dag: hello
tasks:
  a: {run: "echo a"}
  b: {needs: [a], run: "echo b"}
"""


class StandaloneTest(SluiceTestCase):
    def run_state(self, dag, run_id):
        for r in self.runs(dag):
            if r["run_id"] == run_id:
                return r["state"]
        return None

    def test_trigger_runs_to_success(self):
        self.write_dag("hello.yaml", HELLO)
        self.start_scheduler()
        r = self.sluice("dags", "trigger", "hello", "--output", "json")
        self.assertEqual(r.code, 0, r)
        run_id = r.json()["run_id"]
        self.wait_until(lambda: self.run_state("hello", run_id) == "success", what="run success")
        run = [x for x in self.runs("hello") if x["run_id"] == run_id][0]
        self.assertRegex(run["start"], r"Z$")
        self.assertRegex(run["end"], r"Z$")
        tasks = self.tasks("hello", run_id)
        self.assertEqual({k: (v["state"], v["tries"]) for k, v in tasks.items()},
                         {"a": ("success", 1), "b": ("success", 1)})

    def test_trigger_without_scheduler_is_queued_then_runs(self):
        self.write_dag("hello.yaml", HELLO)
        r = self.sluice("dags", "trigger", "hello", "--output", "json")
        run_id = r.json()["run_id"]
        self.assertEqual(self.run_state("hello", run_id), "queued")
        self.start_scheduler()
        self.wait_until(lambda: self.run_state("hello", run_id) == "success", what="run success")

    def test_folder_changes_take_effect_within_two_seconds(self):
        self.start_scheduler()  # returns once it has read the (empty) folder
        self.write_dag("hello.yaml", HELLO)
        t0 = time.monotonic()

        def listed():
            r = self.sluice("dags", "list", "--output", "json")
            return [d for d in r.json() if d["dag"] == "hello"]
        # A new file: triggerable, and the scheduler runs it.
        r = self.sluice("dags", "trigger", "hello", "--output", "json")
        run_id = r.json()["run_id"]
        self.wait_until(lambda: self.run_state("hello", run_id) == "success", timeout=2.5,
                        what="a run of a DAG added while the scheduler runs")
        self.assertLess(time.monotonic() - t0, 2.5)
        # A broken change: reported in `dags list`, the last good version keeps running.
        self.write_dag("hello.yaml", HELLO.replace('run: "echo b"', 'rnu: "echo b"'))
        rows = self.wait_until(lambda: [d for d in listed() if d["errors"]], timeout=2.5,
                               what="the error in dags list")
        self.assertEqual(rows[0]["dag"], "hello")
        self.assertTrue(rows[0]["errors"][0].startswith(os.path.join(self.dags, "hello.yaml") + ":"),
                        rows)
        # Deleted: the DAG leaves the list, its runs stay.
        os.remove(os.path.join(self.dags, "hello.yaml"))
        self.wait_until(lambda: not listed(), timeout=2.5, what="the DAG to leave dags list")
        self.assertEqual(self.run_state("hello", run_id), "success")

    def test_pause_and_unpause(self):
        self.write_dag("hello.yaml", HELLO)
        r = self.sluice("dags", "pause", "hello")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "paused dag 'hello'\n")
        rows = self.sluice("dags", "list", "--output", "json").json()
        self.assertEqual(rows, [{"dag": "hello", "file": os.path.join(self.dags, "hello.yaml"),
                                 "paused": True, "schedule": None, "next_due": None,
                                 "errors": []}])
        self.write_dag("other.yaml", "dag: other\ntasks:\n  t: {run: \"true\"}\n")
        self.start_scheduler()
        run_id = self.sluice("dags", "trigger", "hello", "--output", "json").json()["run_id"]
        # The scheduler takes commands in order: once the run of `other`, triggered after, has
        # ended, it has seen the paused DAG's run too, and left it queued.
        other = self.sluice("dags", "trigger", "other", "--output", "json").json()["run_id"]
        self.wait_until(lambda: self.run_state("other", other) == "success",
                        what="the run of the unpaused DAG")
        self.assertEqual(self.run_state("hello", run_id), "queued")
        self.assertEqual({t["state"] for t in self.tasks("hello", run_id).values()}, {"none"})
        self.assertEqual(self.sluice("dags", "unpause", "hello").code, 0)
        self.wait_until(lambda: self.run_state("hello", run_id) == "success", what="run success")

    def test_clear_reruns_task_and_downstream(self):
        self.write_dag("hello.yaml", HELLO)
        self.start_scheduler()
        run_id = self.sluice("dags", "trigger", "hello", "--output", "json").json()["run_id"]
        self.wait_until(lambda: self.run_state("hello", run_id) == "success", what="run success")
        r = self.sluice("tasks", "clear", "hello", run_id, "a", "--downstream")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "cleared 2 task(s): a, b\n")
        self.wait_until(lambda: self.tasks("hello", run_id)["b"]["tries"] == 2
                        and self.run_state("hello", run_id) == "success", what="re-run")
        self.assertEqual(self.tasks("hello", run_id)["a"]["tries"], 2)
        log = self.sluice("tasks", "logs", "hello", run_id, "a", "--try", "1")
        self.assertEqual(log.code, 0, log)
        r = self.sluice("tasks", "logs", "hello", run_id, "a", "--try", "7")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, "error: task 'a' has no try 7 (tries: 1-2)\n")

    def test_kill_stops_a_running_task_without_a_retry(self):
        self.write_dag("slow.yaml", "dag: slow\ntasks:\n  t: {run: \"sleep 60\", retries: 2}\n")
        self.start_scheduler()
        run_id = self.sluice("dags", "trigger", "slow", "--output", "json").json()["run_id"]
        self.wait_until(lambda: self.tasks("slow", run_id)["t"]["state"] == "running",
                        what="the task to run")
        r = self.sluice("tasks", "kill", "slow", run_id, "t")
        self.assertEqual(r.code, 0, r)
        self.wait_until(lambda: self.run_state("slow", run_id) == "failed", what="run failed")
        t = self.tasks("slow", run_id)["t"]
        self.assertEqual((t["state"], t["tries"]), ("failed", 1))

    def test_mark_success_lets_the_run_go_on(self):
        self.write_dag("slow.yaml", "dag: slow\ntasks:\n  a: {run: \"sleep 60\"}\n"
                                    "  b: {needs: [a], run: \"true\"}\n")
        self.start_scheduler()
        run_id = self.sluice("dags", "trigger", "slow", "--output", "json").json()["run_id"]
        self.wait_until(lambda: self.tasks("slow", run_id)["a"]["state"] == "running",
                        what="task a to run")
        r = self.sluice("tasks", "mark", "slow", run_id, "a", "--state", "success")
        self.assertEqual(r.code, 0, r)
        self.wait_until(lambda: self.run_state("slow", run_id) == "success", what="run success")
        self.assertEqual({k: (v["state"], v["tries"]) for k, v in self.tasks("slow", run_id).items()},
                         {"a": ("success", 1), "b": ("success", 1)})

    def test_a_param_cannot_inject_a_command(self):
        # Issue 13: `--param 'region=x; touch pwned'` ran `touch`. Each value is one shell word,
        # and `raw` does not unquote a value given at trigger time.
        out = os.path.join(self.root, "out.txt")
        self.write_dag("inj.yaml", "dag: inj\nparams: {region: eu}\ntasks:\n"
                                   f"  a: {{run: 'echo {{{{ params.region }}}} > {out}; "
                                   f"echo {{{{ params.region | raw }}}} >> {out}'}}\n")
        self.start_scheduler()
        r = self.sluice("dags", "trigger", "inj", "--param", "region=x; touch pwned $(id)",
                        "--output", "json")
        self.assertEqual(r.code, 0, r)
        run_id = r.json()["run_id"]
        self.wait_until(lambda: self.run_state("inj", run_id) == "success", what="run success")
        self.assertEqual(os.listdir(self.dags), ["inj.yaml"])
        self.assertFalse(os.path.exists(os.path.join(self.root, "pwned")))
        with open(out) as f:
            self.assertEqual(f.read(), "x; touch pwned $(id)\nx; touch pwned $(id)\n")

    def test_the_log_says_what_runs_and_tasks_did(self):
        # Issue 13: one info line per run created and ended, per failure (exit code or signal)
        # and retry.
        self.write_dag("noisy.yaml", "dag: noisy\ntasks:\n"
                                     "  a: {run: 'exit 3', retries: 1, retry_delay: 1}\n"
                                     "  b: {run: 'kill -9 $$'}\n")
        p = self.start_scheduler()
        run_id = self.sluice("dags", "trigger", "noisy", "--output", "json").json()["run_id"]
        self.wait_until(lambda: self.run_state("noisy", run_id) == "failed", what="run failed")
        name = f"noisy/{run_id}"

        def lines():
            with open(p.log_path) as f:
                return [line.split(" ", 1)[1].rstrip("\n") for line in f
                        if " INFO  run " in line or " INFO  task " in line]
        self.wait_until(lambda: f"INFO  run {name} ended failed" in lines(), what="the end line")
        got = lines()
        # `dags trigger` creates the run in the database; the scheduler's first word is its start.
        self.assertEqual(got[0], f"INFO  run {name} started")
        self.assertEqual(got[-1], f"INFO  run {name} ended failed")
        self.assertRegex("\n".join(got), rf"INFO  task {name}/a try 1 failed \(exit code 3\); "
                                         r"retry at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
        self.assertIn(f"INFO  task {name}/a try 2 failed (exit code 3); task failed", got)
        self.assertIn(f"INFO  task {name}/b try 1 failed (killed by signal 9); task failed", got)
        self.assertEqual(len(got), 5, got)

    def test_a_killed_dags_test_has_its_run_ended_by_the_scheduler(self):
        # Issue 13: kill -9 of `sluice dags test` left its run `running` for ever beside a live
        # scheduler. Its pid is gone on this host: the scheduler ends the run within seconds.
        self.write_dag("slow.yaml", "dag: slow\ntasks:\n  a: {run: 'sleep 60'}\n"
                                    "  b: {needs: [a], run: 'true'}\n  c: {run: 'true'}\n")
        scheduler = self.start_scheduler()
        log = open(os.path.join(self.root, "dags-test.log"), "w")
        self.logs.append(log)
        test = subprocess.Popen([SLUICE, "dags", "test", "slow"], env=self.env, stdout=log,
                                stderr=subprocess.STDOUT)
        self.procs.append(test)
        run_id = self.wait_until(lambda: [r["run_id"] for r in self.runs("slow")],
                                 what="the test's run")[0]
        self.wait_until(lambda: self.tasks("slow", run_id)["a"]["state"] == "running" and
                        self.tasks("slow", run_id)["c"]["state"] == "success",
                        what="task a to run")
        test.kill()
        test.wait()
        self.wait_until(lambda: self.run_state("slow", run_id) == "failed", timeout=20,
                        what="the scheduler to end the run")
        self.assertEqual({k: (v["state"], v["tries"]) for k, v in self.tasks("slow", run_id).items()},
                         {"a": ("failed", 1), "b": ("skipped", 0), "c": ("success", 1)})
        with open(scheduler.log_path) as f:
            self.assertIn(f"INFO  task slow/{run_id}/a try 1 lost (lost: the dags test process "
                          f"{test.pid} on {socket.gethostname()} ended); task failed", f.read())

    def test_second_scheduler_refuses_to_start(self):
        self.start_scheduler()  # returns once it holds the lock
        second = self.start_scheduler(ready=False)
        self.assertEqual(second.wait(timeout=10), 1)
        with open(second.log_path) as f:
            self.assertEqual(f.read(), f"error: another scheduler (pid {self.procs[0].pid} on "
                                       f"{socket.gethostname()}, home {self.home}) is running on "
                                       f"database {os.path.realpath(self.home)}/sluice.db\n")

    def test_one_scheduler_per_database_across_homes(self):
        # Issue 13: a second home whose database is the first one's (here through a symlink)
        # must not start a second scheduler on it; commands from that home see the first one.
        self.write_dag("hello.yaml", "dag: hello\ntasks:\n  a: {run: \"true\"}\n")
        first = self.start_scheduler()
        other_home = os.path.join(self.root, "other-home")
        os.makedirs(other_home)
        os.symlink(self.home, os.path.join(self.root, "link"))
        env = dict(self.env, SLUICE_HOME=other_home,
                   SLUICE_DB=os.path.join(self.root, "link", "sluice.db"))
        second = subprocess.run([SLUICE, "standalone", "--listen", "127.0.0.1:0"], env=env, capture_output=True, text=True,
                                timeout=60)
        self.assertEqual(second.returncode, 1, second)
        self.assertEqual(second.stderr, f"error: another scheduler (pid {first.pid} on "
                                        f"{socket.gethostname()}, home {self.home}) is running "
                                        f"on database {os.path.realpath(self.home)}/sluice.db\n")
        trigger = subprocess.run([SLUICE, "dags", "trigger", "hello"], env=env,
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(trigger.returncode, 0, trigger)
        self.assertNotIn("no scheduler is running", trigger.stdout)
        # kill -9 of the first: the lock goes with it, a scheduler of the other home starts now.
        self.stop_scheduler(first, signal.SIGKILL)
        self.env = env
        self.start_scheduler()

    def test_generated_dag_file(self):
        self.write_dag("gen.dag", "#!/bin/sh\nprintf 'dag: gen_a\\ntasks: {t: {run: \"true\"}}\\n"
                                  "---\\ndag: gen_b\\ntasks: {t: {run: \"true\"}}\\n'\n",
                       mode=0o755)
        self.write_dag("broken.dag", "#!/bin/sh\necho 'cannot reach the inventory' >&2\nexit 3\n",
                       mode=0o755)
        rows = self.sluice("dags", "list", "--output", "json").json()
        by_file = {}
        for row in rows:
            by_file.setdefault(os.path.basename(row["file"]), []).append(row)
        self.assertEqual(sorted(r["dag"] for r in by_file["gen.dag"]), ["gen_a", "gen_b"])
        self.assertEqual(by_file["broken.dag"][0]["dag"], None)
        self.assertEqual(by_file["broken.dag"][0]["errors"],
                         [os.path.join(self.dags, "broken.dag") + ":1:1: error: generator exited "
                          "with status 3: cannot reach the inventory"])

    def test_hung_generator_delays_no_task_and_no_command(self):
        # A generator that hangs: before, it froze the loop (dispatch, outcomes, commands) for
        # its whole 30 s limit, and `dags trigger` re-ran it.
        self.write_dag("hang.dag", "#!/bin/sh\nsleep 1000\n", mode=0o755)
        self.write_dag("hello.yaml", HELLO)
        p = self.start_scheduler()
        t0 = time.monotonic()
        r = self.sluice("dags", "trigger", "hello", "--output", "json")
        self.assertEqual(r.code, 0, r)
        run_id = r.json()["run_id"]
        self.wait_until(lambda: self.run_state("hello", run_id) == "success", timeout=20,
                        what="the run while the generator hangs")
        rows = self.sluice("dags", "list", "--output", "json").json()
        self.assertLess(time.monotonic() - t0, 20)
        self.assertEqual([r["dag"] for r in rows if r["file"].endswith("hello.yaml")], ["hello"])
        with open(p.log_path) as f:
            log = f.read()
        self.assertIn(f"dags: {self.dags}/hello.yaml loaded: hello", log)
        self.assertNotIn("hang.dag", log)  # still running, not yet killed at its limit

    def test_broken_file_keeps_its_dag_usable_from_the_cli(self):
        self.write_dag("hello.yaml", HELLO)
        p = self.start_scheduler()
        self.write_dag("hello.yaml", HELLO.replace("run:", "rnu:", 1) + "\n")
        path = os.path.join(self.dags, "hello.yaml")

        def broken_row():
            rows = self.sluice("dags", "list", "--output", "json").json()
            return rows if rows and rows[0]["errors"] else None
        rows = self.wait_until(broken_row, what="the scheduler to see the broken file")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["dag"], "hello")
        r = self.sluice("dags", "show", "hello", "--output", "json")
        self.assertEqual(r.code, 0, r)
        r = self.sluice("dags", "trigger", "hello", "--output", "json")
        self.assertEqual(r.code, 0, r)
        run_id = r.json()["run_id"]
        self.wait_until(lambda: self.run_state("hello", run_id) == "success", what="run success")
        with open(p.log_path) as f:
            self.assertIn(f"dags: {path} is broken (", f.read())

    def test_duplicate_id_is_an_error_on_both_files(self):
        self.write_dag("a.yaml", HELLO)
        p = self.start_scheduler()
        self.write_dag("b.yaml", "# the same id\n" + HELLO)
        a = os.path.join(self.dags, "a.yaml")
        b = os.path.join(self.dags, "b.yaml")

        def rows_with_errors():
            rows = self.sluice("dags", "list", "--output", "json").json()
            return rows if rows and rows[0]["errors"] else None
        rows = self.wait_until(rows_with_errors, what="the scheduler to see the duplicate")
        # One row for the DAG (its last good version, with both errors), and b.yaml's row as a
        # file that yields no DAG.
        self.assertEqual([(r["dag"], os.path.basename(r["file"])) for r in rows],
                         [("hello", "a.yaml"), (None, "b.yaml")])
        self.assertEqual(rows[0]["errors"],
                         [f"{a}:1:6: error: dag 'hello' is also defined in {b}:2:6",
                          f"{b}:2:6: error: dag 'hello' is also defined in {a}:1:6"])
        self.stop_scheduler(p)


if __name__ == "__main__":
    unittest.main(verbosity=2)
