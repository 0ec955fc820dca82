"""DESIGN.md §4: kill -9 the scheduler at random moments during a multi-hundred-task run and
restart it each time. Every task must end in a terminal state, exactly once: each task appends
one line to its own marker file when it completes, so a task run twice shows two lines."""
import os
import random
import signal
import time
import unittest

from sluice_e2e import SluiceTestCase

LAYERS, WIDTH = 30, 10  # 300 tasks


def crash_dag(markers):
    rng = random.Random(7)
    lines = ["dag: crashy", f"params: {{markers: {markers}}}", "tasks:"]
    for layer in range(LAYERS):
        for i in range(WIDTH):
            name = f"t{layer:02d}_{i}"
            needs = ""
            if layer > 0:
                ups = sorted(rng.sample(range(WIDTH), 2))
                needs = ", needs: [" + ", ".join(f"t{layer - 1:02d}_{u}" for u in ups) + "]"
            lines.append(f"  {name}: {{run: \"sleep 0.0{rng.randint(1, 5)} && echo done >> "
                         f"{{{{ params.markers }}}}/{{{{ task_id }}}}\"{needs}}}")
    return "\n".join(lines) + "\n"


class CrashTest(SluiceTestCase):
    def test_random_kill_9_loses_nothing_and_reruns_nothing(self):
        markers = os.path.join(self.root, "markers")
        os.makedirs(markers)
        self.write_dag("crashy.yaml", crash_dag(markers))
        self.env["SLUICE_PARALLELISM"] = "4"
        run_id = self.sluice("dags", "trigger", "crashy", "--output", "json").json()["run_id"]
        rng = random.Random(42)
        kills = 0
        deadline = time.monotonic() + 240
        proc = self.start_scheduler()
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(0.02, 0.3))
            state = [r for r in self.runs("crashy") if r["run_id"] == run_id][0]["state"]
            if state in ("success", "failed"):
                break
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            proc = self.start_scheduler()
        self.wait_until(lambda: [r for r in self.runs("crashy")
                                 if r["run_id"] == run_id][0]["state"] == "success",
                        timeout=120, what="the run to succeed after the last restart")
        self.stop_scheduler(proc)
        self.assertGreaterEqual(kills, 5, "the run ended before enough kills happened")
        tasks = self.tasks("crashy", run_id)
        self.assertEqual(len(tasks), LAYERS * WIDTH)
        not_done = {k: v["state"] for k, v in tasks.items() if v["state"] != "success"}
        self.assertEqual(not_done, {})
        # Supervisors outlive the scheduler, so no attempt was lost and none was retried.
        retried = {k: v["tries"] for k, v in tasks.items() if v["tries"] != 1}
        self.assertEqual(retried, {})
        ran_twice = {}
        for name in tasks:
            with open(os.path.join(markers, name)) as f:
                n = len(f.read().splitlines())
            if n != 1:
                ran_twice[name] = n
        self.assertEqual(ran_twice, {}, f"after {kills} kills")
        print(f"\n{kills} kill -9s during a {len(tasks)}-task run: every task succeeded once")


if __name__ == "__main__":
    unittest.main(verbosity=2)
