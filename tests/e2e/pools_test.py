"""Pools end to end: a pool in sluice.yaml shared by two DAGs under a real scheduler, what
`pools list` and `tasks why` say meanwhile, the order a freed slot is given in, and a task whose
pool is not declared."""
import os
import unittest

from sluice_e2e import SluiceTestCase


def gated(task, gates):
    """A task that runs until the file GATES/TASK exists."""
    return f'{{run: "until [ -e {gates}/{task} ]; do sleep 0.05; done", pool: warehouse}}'


class PoolsTest(SluiceTestCase):
    def setUp(self):
        super().setUp()
        self.gates = os.path.join(self.root, "gates")
        os.makedirs(self.gates)
        with open(os.path.join(self.home, "sluice.yaml"), "w") as f:
            f.write("pools: {warehouse: 1, vendor_api: 2}\n")

    def open_gate(self, task):
        open(os.path.join(self.gates, task), "w").close()

    def pools(self):
        r = self.sluice("pools", "list", "--output", "json")
        self.assertEqual(r.code, 0, r)
        return r.json()

    def test_a_pool_is_shared_by_two_dags_and_a_freed_slot_goes_to_the_oldest_run(self):
        g = self.gates
        self.write_dag("a.yaml", f"dag: a\ntasks:\n  t1: {gated('t1', g)}\n  t2: {gated('t2', g)}\n"
                                 f"  free: {{run: 'true'}}\n")
        self.write_dag("b.yaml", f"dag: b\ntasks:\n  u: {gated('u', g)}\n")
        self.start_scheduler()
        run_a = self.sluice("dags", "trigger", "a", "--output", "json").json()["run_id"]
        self.wait_until(lambda: self.tasks("a", run_a)["free"]["state"] == "success",
                        what="a's task outside the pool to run")
        running = self.wait_until(
            lambda: [t for t, v in self.tasks("a", run_a).items() if v["state"] == "running"],
            what="one of a's pool tasks to run")
        self.assertEqual(len(running), 1, self.tasks("a", run_a))
        first = running[0]
        second = "t2" if first == "t1" else "t1"
        run_b = self.sluice("dags", "trigger", "b", "--output", "json").json()["run_id"]
        self.wait_until(lambda: self.pools()[2]["queued"] == 2, what="b's task to wait")
        self.assertEqual(self.pools(), [
            {"pool": "default", "slots": 2, "used": 0, "queued": 0},
            {"pool": "vendor_api", "slots": 2, "used": 0, "queued": 0},
            {"pool": "warehouse", "slots": 1, "used": 1, "queued": 2}])
        r = self.sluice("pools", "list")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "POOL        SLOTS  USED  FREE  QUEUED\n"
                                "default     2      0     2     0\n"
                                "vendor_api  2      0     2     0\n"
                                "warehouse   1      1     0     2\n")
        r = self.sluice("tasks", "why", "b", run_b, "u")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, f"u is scheduled: held by pool\n"
                                f"  pool: 1 of 1 slots of pool warehouse are in use: "
                                f"a/{run_a}/{first} try 1\n")
        # The slot goes to a's other task: its run is older than b's.
        self.open_gate(first)
        self.wait_until(lambda: self.tasks("a", run_a)[second]["state"] == "running",
                        what=f"a's {second} to take the freed slot")
        self.assertEqual(self.tasks("b", run_b)["u"]["state"], "scheduled")
        self.open_gate(second)
        self.wait_until(lambda: self.tasks("b", run_b)["u"]["state"] == "running",
                        what="b's u to take the slot")
        self.open_gate("u")
        self.wait_until(lambda: self.runs("b")[0]["state"] == "success", what="b to succeed")
        self.assertEqual(self.runs("a")[0]["state"], "success")
        self.assertEqual(self.pools()[2], {"pool": "warehouse", "slots": 1, "used": 0,
                                           "queued": 0})

    def test_a_task_in_a_pool_that_is_not_declared_fails_with_the_fix(self):
        self.write_dag("c.yaml", "dag: c\ntasks:\n  load: {run: 'true', pool: warehose}\n")
        r = self.sluice("dags", "test", "c", "--output", "json")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.json()["tasks"]["load"], {"state": "failed", "tries": 1})
        run_id = r.json()["run_id"]
        load = self.tasks("c", run_id)["load"]
        self.assertEqual(load["failure"],
                         "pool 'warehose' is not in sluice.yaml's pools "
                         "(did you mean 'warehouse'?)")

    def test_a_bad_pools_setting_is_refused_with_its_place(self):
        with open(os.path.join(self.home, "sluice.yaml"), "w") as f:
            f.write("parallelism: 2\npools:\n  warehouse: 0\n")
        r = self.sluice("pools", "list")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, f"error: {self.home}/sluice.yaml:3:14: error: pool 'warehouse' "
                                f"must have a positive number of slots, got '0'\n")


if __name__ == "__main__":
    unittest.main()
