"""`sensor: external` end to end (issue 14): the real scheduler wakes a sensor waiting for
another DAG's task the moment that task succeeds, with no poke interval, and shows the wait in
`tasks list` and `tasks why`."""
import datetime
import os
import signal
import time
import unittest

from sluice_e2e import SluiceTestCase

# Both daily from the same start, catchup false: each gets one run, of the same logical date.
PRICES = """dag: prices
schedule: "@daily"
start: 2025-01-01
tasks:
  publish: {run: "while [ ! -f %s ]; do sleep 0.05; done; echo published"}
"""

REPORT = """dag: report
schedule: "@daily"
start: 2025-01-01
tasks:
  wait: {sensor: external, dag: prices, task: publish, poke_every: 1h%s}
  load: {run: "echo loaded", needs: [wait]}
"""


class ExternalSensorTest(SluiceTestCase):
    def wait_task(self, dag, task, predicate, what, timeout=30):
        def found():
            runs = self.runs(dag)
            if not runs:
                return None
            t = self.tasks(dag, runs[0]["run_id"]).get(task)
            return t if t and predicate(t) else None
        return self.wait_until(found, timeout=timeout, what=what)

    def test_the_sensor_succeeds_as_soon_as_the_other_task_does(self):
        go = os.path.join(self.root, "go")
        self.write_dag("prices.yaml", PRICES % go)
        self.write_dag("report.yaml", REPORT % "")
        self.start_scheduler()
        t = self.wait_task("report", "wait",
                           lambda t: t["state"] == "deferred" and "is running" in t["last_poke"],
                           "the sensor to see publish running")
        prices_run = self.runs("prices")[0]["run_id"]
        report_run = self.runs("report")[0]["run_id"]
        self.assertEqual(prices_run, report_run)  # the same logical date
        self.assertEqual(t["last_poke"], "run prices/%s: task publish is running" % prices_run)
        self.assertEqual(t["blocked_by"][0]["rule"], "sensor")
        why = self.sluice("tasks", "why", "report", report_run, "wait")
        self.assertEqual(why.code, 0, why)
        self.assertIn("wait is deferred: held by sensor", why.out)
        self.assertIn("waiting for sensor external: prices/publish success", why.out)
        self.assertIn("found: run prices/%s: task publish is running" % prices_run, why.out)

        with open(go, "w"):
            pass
        released = time.monotonic()
        t = self.wait_task("report", "wait", lambda t: t["state"] == "success",
                           "the sensor to succeed")
        # Woken by the transition, not a poke (poke_every is an hour): well within a second of
        # publish's end, with room for a slow machine.
        self.assertLess(time.monotonic() - released, 2.0)
        self.assertEqual(t["last_poke"], "run prices/%s: task publish is success" % prices_run)
        publish = self.tasks("prices", prices_run)["publish"]
        self.assertEqual(publish["state"], "success")
        # In the turn that recorded publish's end (which is when its process ended).
        ended = [datetime.datetime.fromisoformat(x["end"].replace("Z", "+00:00"))
                 for x in (publish, t)]
        self.assertLess(abs((ended[1] - ended[0]).total_seconds()), 1.0)
        self.wait_until(lambda: self.runs("report")[0]["state"] == "success", what="the run")
        self.assertEqual(self.tasks("report", report_run)["load"]["state"], "success")

    def test_a_restart_checks_again_and_a_timeout_fails_it(self):
        go = os.path.join(self.root, "go")
        self.write_dag("prices.yaml", PRICES % go)
        self.write_dag("report.yaml", REPORT % ", timeout: 4s")
        p = self.start_scheduler()
        before = self.wait_task("report", "wait", lambda t: t["state"] == "deferred",
                                "the sensor to wait")
        p.send_signal(signal.SIGKILL)
        p.wait()
        self.start_scheduler()
        t = self.wait_task("report", "wait", lambda t: t["pokes"] > before["pokes"],
                           "a check after the restart")
        self.assertEqual(t["state"], "deferred")
        t = self.wait_task("report", "wait", lambda t: t["state"] == "failed",
                           "the sensor to time out")
        self.assertEqual(t["tries"], 0)
        self.assertEqual(self.tasks("report", self.runs("report")[0]["run_id"])["load"]["state"],
                         "upstream_failed")
        with open(go, "w"):
            pass

    def test_bad_keys_are_reported_at_their_column(self):
        self.write_dag("bad.yaml", "dag: bad\ntasks:\n"
                       "  w: {sensor: external, dag: prices, states: [skipped]}\n")
        r = self.sluice("dags", "validate", os.path.join(self.dags, "bad.yaml"))
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("bad.yaml:3:47: error: unknown run state 'skipped' (use queued, running, "
                      "success or failed); task states need 'task'", r.err)


if __name__ == "__main__":
    unittest.main()
