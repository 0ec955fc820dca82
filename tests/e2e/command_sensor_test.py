"""Command sensors end to end (issue 14): the real scheduler runs a `sensor: command` task as one
process that pokes in a loop (`mode: poke`), or as one short process per poke with the task
`deferred` between them (`mode: reschedule`); `tasks logs` shows the pokes."""
import os
import unittest

from sluice_e2e import SluiceTestCase

# Exits 0 at its third run; each run appends to work/runs.
THIRD = "echo \"poke by $WHO\"; echo run >> runs; test $(wc -l < runs) -ge 3"


class CommandSensorTest(SluiceTestCase):
    def trigger(self, dag):
        r = self.sluice("dags", "trigger", dag, "--output", "json")
        self.assertEqual(r.code, 0, r)
        return r.json()["run_id"]

    def wait_task(self, dag, run, task, predicate, what, timeout=30):
        return self.wait_until(lambda: (lambda t: t if predicate(t) else None)(
            self.tasks(dag, run)[task]), timeout=timeout, what=what)

    def runs_file(self):
        with open(os.path.join(self.dags, "work", "runs")) as f:
            return f.read()

    def test_poke_mode_is_one_process_that_pokes_until_the_command_exits_0(self):
        os.makedirs(os.path.join(self.dags, "work"))
        self.write_dag("p.yaml", """\
dag: p
tasks:
  wait: {sensor: command, run: '%s', poke_every: 1s, env: {WHO: loop}, cwd: work}
  load: {run: "echo loaded", needs: [wait]}
""" % THIRD)
        run = self.trigger("p")
        self.start_scheduler()
        t = self.wait_task("p", run, "wait", lambda t: t["state"] == "running", "the loop")
        self.assertEqual(t["tries"], 1)
        t = self.wait_task("p", run, "wait", lambda t: t["state"] == "success",
                           "the sensor to succeed")
        self.assertEqual(t["tries"], 1)  # one process for the three pokes
        self.assertEqual(t["pokes"], 0)
        self.assertEqual(self.runs_file(), "run\nrun\nrun\n")
        self.wait_until(lambda: self.runs("p")[0]["state"] == "success", what="the run")
        log = self.sluice("tasks", "logs", "p", run, "wait")
        self.assertEqual(log.code, 0, log)
        lines = [line.split(" ", 1)[1] for line in log.out.splitlines() if " out| " in line]
        self.assertEqual(lines[:6], ["out| poke by loop", "out| poke 1: exit 1, next poke in 1s",
                                     "out| poke by loop", "out| poke 2: exit 1, next poke in 1s",
                                     "out| poke by loop", "out| poke 3: exit 0, met"])

    def test_reschedule_runs_a_process_per_poke_and_waits_deferred_between(self):
        os.makedirs(os.path.join(self.dags, "work"))
        self.write_dag("r.yaml", """\
dag: r
tasks:
  wait: {sensor: command, run: '%s', mode: reschedule, poke_every: 1s, env: {WHO: poke},
         cwd: work}
  load: {run: "echo loaded", needs: [wait]}
""" % THIRD)
        run = self.trigger("r")
        self.start_scheduler()
        t = self.wait_task("r", run, "wait",
                           lambda t: t["state"] == "deferred" and t["pokes"] == 1,
                           "the first poke to end")
        self.assertEqual(t["last_poke"], "exit code 1")
        self.assertIsNotNone(t["last_poke_at"])
        self.assertEqual(t["tries"], 1)
        why = self.sluice("tasks", "why", "r", run, "wait")
        self.assertEqual(why.code, 0, why)
        self.assertIn("found: exit code 1; next poke at ", why.out)
        t = self.wait_task("r", run, "wait", lambda t: t["state"] == "success",
                           "the sensor to succeed")
        self.assertEqual((t["pokes"], t["tries"], t["last_poke"]), (3, 3, "exit code 0"))
        self.assertEqual(self.runs_file(), "run\nrun\nrun\n")
        self.wait_until(lambda: self.runs("r")[0]["state"] == "success", what="the run")
        # Each poke is a try with its own log; `tasks logs` shows them all.
        log = self.sluice("tasks", "logs", "r", run, "wait")
        self.assertEqual(log.code, 0, log)
        self.assertEqual([line for line in log.out.splitlines() if line.startswith("==")],
                         ["== try 1 ==", "== try 2 ==", "== try 3 =="])
        self.assertEqual(log.out.count("out| poke by poke\n"), 3)
        for n in (1, 2, 3):
            log = self.sluice("tasks", "logs", "r", run, "wait", "--try", str(n))
            self.assertEqual(log.code, 0, log)
            self.assertRegex(log.out, r"Z out\| poke by poke\n")

    def test_reschedule_timeout_skips_with_soft_fail(self):
        self.write_dag("s.yaml", """\
dag: s
tasks:
  wait: {sensor: command, run: "exit 3", mode: reschedule, poke_every: 1s, timeout: 2s,
         soft_fail: true}
  load: {run: "echo loaded", needs: [wait]}
""")
        run = self.trigger("s")
        self.start_scheduler()
        t = self.wait_task("s", run, "wait", lambda t: t["state"] == "skipped",
                           "the sensor to time out")
        self.assertEqual(t["last_poke"], "exit code 3")
        self.assertGreaterEqual(t["pokes"], 2)
        self.assertEqual(self.tasks("s", run)["load"]["state"], "skipped")
        self.wait_until(lambda: self.runs("s")[0]["state"] == "success", what="the run")


if __name__ == "__main__":
    unittest.main()
