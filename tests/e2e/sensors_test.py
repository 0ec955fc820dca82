"""Sensors end to end (issue 14): the real scheduler pokes a `sensor: file` task while it waits
`deferred`, records each poke, and ends it when the file appears, or at its timeout."""
import os
import signal
import time
import unittest

from sluice_e2e import SluiceTestCase

VENDOR = """dag: vendor
tasks:
  wait: {sensor: file, path: "in/*.csv", min_size: 1, poke_every: 1s%s}
  load: {run: "echo loaded", needs: [wait]}
"""


class SensorsTest(SluiceTestCase):
    def trigger(self, dag):
        r = self.sluice("dags", "trigger", dag, "--output", "json")
        self.assertEqual(r.code, 0, r)
        return r.json()["run_id"]

    def wait_task(self, dag, run, task, predicate, what, timeout=30):
        return self.wait_until(lambda: (lambda t: t if predicate(t) else None)(
            self.tasks(dag, run)[task]), timeout=timeout, what=what)

    def test_a_file_that_appears_is_found_within_one_poke(self):
        self.write_dag("vendor.yaml", VENDOR % "")
        run = self.trigger("vendor")
        self.start_scheduler()
        t = self.wait_task("vendor", run, "wait", lambda t: t["pokes"] >= 2,
                           "two pokes of the sensor")
        self.assertEqual(t["state"], "deferred")
        self.assertEqual(t["last_poke"], "no file matches in/*.csv")
        self.assertIsNotNone(t["last_poke_at"])
        self.assertEqual(t["tries"], 0)
        self.assertEqual(t["blocked_by"][0]["rule"], "sensor")
        self.assertEqual(self.tasks("vendor", run)["load"]["state"], "none")
        # `tasks why` says what it waits for and when the next poke is.
        why = self.sluice("tasks", "why", "vendor", run, "wait")
        self.assertEqual(why.code, 0, why)
        self.assertIn("wait is deferred: held by sensor", why.out)
        self.assertIn("sensor: waiting for sensor file: in/*.csv: ", why.out)
        self.assertIn("found: no file matches in/*.csv; ", why.out)
        # An empty file is under min_size: still waiting.
        os.makedirs(os.path.join(self.dags, "in"))
        with open(os.path.join(self.dags, "in", "a.csv"), "w"):
            pass
        self.wait_task("vendor", run, "wait",
                       lambda t: t["last_poke"] == "1 file under min_size 1 B match in/*.csv",
                       "a poke that sees the empty file")
        with open(os.path.join(self.dags, "in", "b.csv"), "w") as f:
            f.write("a,b\n")
        appeared = time.monotonic()
        t = self.wait_task("vendor", run, "wait", lambda t: t["state"] == "success",
                           "the sensor to succeed")
        # Within one poke interval (1s), with room for a slow machine's turn.
        self.assertLess(time.monotonic() - appeared, 2.5)
        self.assertEqual(t["last_poke"], "1 file, 4 B")
        self.wait_until(lambda: self.runs("vendor")[0]["state"] == "success", what="the run")
        self.assertEqual(self.tasks("vendor", run)["load"]["state"], "success")

    def test_timeout_fails_and_soft_fail_skips(self):
        self.write_dag("vendor.yaml", VENDOR % ", timeout: 2s")
        self.write_dag("soft.yaml", (VENDOR % ", timeout: 2s, soft_fail: true")
                       .replace("dag: vendor", "dag: soft"))
        hard = self.trigger("vendor")
        soft = self.trigger("soft")
        self.start_scheduler()
        t = self.wait_task("vendor", hard, "wait", lambda t: t["state"] == "failed",
                           "the sensor to time out")
        self.assertEqual(t["pokes"], 3)  # at 0s, 1s and 2s: the last one at the timeout
        self.assertEqual(t["tries"], 0)
        self.assertEqual(self.tasks("vendor", hard)["load"]["state"], "upstream_failed")
        self.wait_until(lambda: self.runs("vendor")[0]["state"] == "failed", what="failed run")
        t = self.wait_task("soft", soft, "wait", lambda t: t["state"] == "skipped",
                           "the soft sensor to be skipped")
        self.assertEqual(self.tasks("soft", soft)["load"]["state"], "skipped")
        self.wait_until(lambda: self.runs("soft")[0]["state"] == "success", what="soft run")

    def test_kill_9_while_waiting_then_the_count_goes_on(self):
        self.write_dag("vendor.yaml", VENDOR % "")
        run = self.trigger("vendor")
        p = self.start_scheduler()
        self.wait_task("vendor", run, "wait", lambda t: t["pokes"] >= 2, "two pokes")
        p.send_signal(signal.SIGKILL)
        p.wait()
        before = self.tasks("vendor", run)["wait"]
        self.assertEqual(before["state"], "deferred")
        self.start_scheduler()
        t = self.wait_task("vendor", run, "wait", lambda t: t["pokes"] > before["pokes"],
                           "a poke after the restart")
        self.assertEqual(t["state"], "deferred")
        self.assertEqual(t["pokes"], before["pokes"] + 1)
        os.makedirs(os.path.join(self.dags, "in"))
        with open(os.path.join(self.dags, "in", "x.csv"), "w") as f:
            f.write("x\n")
        t = self.wait_task("vendor", run, "wait", lambda t: t["state"] == "success",
                           "the sensor to succeed after the restart")
        self.assertGreater(t["pokes"], before["pokes"] + 1)

    def test_bad_sensor_keys_are_reported_at_their_column(self):
        self.write_dag("bad.yaml", "dag: bad\ntasks:\n"
                       "  w: {sensor: fiel, path: x}\n"
                       "  v: {sensor: file, path: x, mode: reschedule}\n")
        r = self.sluice("dags", "validate", os.path.join(self.dags, "bad.yaml"))
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("bad.yaml:3:15: error: unknown sensor 'fiel' (did you mean 'file'?)", r.err)
        self.assertIn("bad.yaml:4:36: error: 'mode: reschedule' is for command sensors only",
                      r.err)


if __name__ == "__main__":
    unittest.main()
