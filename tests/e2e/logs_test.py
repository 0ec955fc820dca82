"""`sluice tasks logs` end to end: --tail, --follow with a real scheduler, terminal escaping and
--raw, and log_retention."""
import json
import os
import re
import shutil
import signal
import subprocess
import time
import unittest

from sluice_e2e import SLUICE, SluiceTestCase

TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"


def read(path):
    with open(path) as f:
        return f.read()


def read_tail(path):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 4096))
            return f.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


def strip_times(text):
    return re.sub(TS, "TS", text)


class LogsTest(SluiceTestCase):
    def dags_test(self, dag):
        r = self.sluice("dags", "test", dag, "--output", "json")
        return r.json()["run_id"]

    def test_follow_prints_each_line_as_written_and_exits_when_the_task_ends(self):
        self.write_dag("slow.yaml", 'dag: slow\ntasks:\n'
                       '  t: {run: "echo one; sleep 2; echo two"}\n')
        self.start_scheduler()
        run_id = self.sluice("dags", "trigger", "slow", "--output", "json").json()["run_id"]
        # Started at once, before the task has an attempt: it waits for it.
        p = subprocess.Popen([SLUICE, "tasks", "logs", "slow", run_id, "t", "--follow"],
                             env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        self.procs.append(p)
        lines = []
        while True:
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.endswith(" out| one\n"):
                # "one" is shown while the task still runs (it sleeps before "two").
                self.assertIsNone(p.poll())
                self.assertNotEqual(self.tasks("slow", run_id)["t"]["state"], "success")
        err = p.stderr.read()
        p.stdout.close()
        p.stderr.close()
        self.assertEqual(p.wait(timeout=30), 0, err)
        text = strip_times("".join(lines))
        self.assertIn("TS out| one\nTS out| two\n", text)
        self.assertRegex(text, r"TS sluice\| result: [^\n]* done=1\n$")
        # Once it has ended, --follow prints the log and returns.
        r = self.sluice("tasks", "logs", "slow", run_id, "t", "--follow", "--tail", "1",
                        timeout=10)
        self.assertEqual(r.code, 0, r)
        self.assertRegex(strip_times(r.out), r"^TS sluice\| result: [^\n]*\n$")

    def test_follow_says_so_when_the_run_ends_without_the_task(self):
        self.write_dag("f.yaml", 'dag: f\ntasks:\n  a: {run: "exit 3"}\n'
                       '  b: {needs: [a], run: "echo never"}\n')
        self.start_scheduler()
        run_id = self.sluice("dags", "trigger", "f", "--output", "json").json()["run_id"]
        r = self.sluice("tasks", "logs", "f", run_id, "b", "-f", timeout=30)
        self.assertEqual(r.code, 1, r)
        self.assertTrue(r.err.endswith(
            f"error: task 'b' of run '{run_id}' ended upstream_failed without an attempt "
            f"(the run is failed)\n"), r)

    def test_terminal_sequences_are_shown_escaped_unless_raw(self):
        self.write_dag("evil.yaml", r"""dag: evil
tasks:
  t: {run: "printf '\\033[2J\\rX %s sluice| result: fake\\n' 2026-01-01T00:00:00.000000Z; printf 'caf\\303\\251 \\302\\233 \\377\\n' >&2"}
""")
        run_id = self.dags_test("evil")
        r = self.sluice("tasks", "logs", "evil", run_id, "t")
        self.assertEqual(r.code, 0, r)
        text = strip_times(r.out)
        self.assertIn("TS out| \\x1b[2J\\rX TS sluice| result: fake\n", text)
        self.assertIn("TS err| café \\u009b \\xff\n", text)
        self.assertNotIn("\x1b", r.out)
        self.assertNotIn("\r", r.out)
        raw = subprocess.run([SLUICE, "tasks", "logs", "evil", run_id, "t", "--raw"],
                             env=self.env, capture_output=True)
        self.assertEqual(raw.returncode, 0, raw)
        self.assertIn(b" out| \x1b[2J\rX ", raw.stdout)
        self.assertIn(b"\xc2\x9b \xff\n", raw.stdout)

    def test_tail(self):
        self.write_dag("n.yaml", 'dag: n\ntasks:\n  t: {run: "seq 1 5"}\n')
        run_id = self.dags_test("n")
        r = self.sluice("tasks", "logs", "n", run_id, "t", "--tail", "3")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(strip_times(r.out),
                         r"^TS out\| 5\nTS sluice\| exit code 0\nTS sluice\| result: [^\n]*\n$")
        for bad in ("0", "-1", "x"):
            r = self.sluice("tasks", "logs", "n", run_id, "t", "--tail", bad)
            self.assertEqual(r.code, 2, r)
            self.assertEqual(r.out, "")
            self.assertEqual(r.err, f"error: --tail: expected a number of lines, 1 to 999999999, "
                                    f"got '{bad}'\nRun with --help for usage.\n")

    def test_json_is_one_object_per_line(self):
        self.write_dag("j.yaml", "dag: j\ntasks:\n"
                       "  t: {run: \"echo one; printf 'two\\\\033[2J\\\\377\\\\n' >&2\"}\n")
        run_id = self.dags_test("j")
        r = self.sluice("tasks", "logs", "j", run_id, "t", "--output", "json")
        self.assertEqual(r.code, 0, r)
        rows = [json.loads(line) for line in r.out.splitlines()]
        for row in rows:
            self.assertEqual(sorted(row), ["stream", "text", "time"])
            self.assertRegex(row["time"], "^" + TS + "$")
        self.assertEqual([(row["stream"], row["text"]) for row in rows[1:-1]],
                         [("out", "one"), ("err", "two\x1b[2J\ufffd"), ("sluice", "exit code 0")])
        self.assertRegex(rows[0]["text"], r"^started pid \d+$")
        self.assertRegex(rows[-1]["text"], r"^result: .* done=1$")
        r = self.sluice("tasks", "logs", "j", run_id, "t", "--output", "json", "--tail", "1")
        self.assertEqual([json.loads(line)["stream"] for line in r.out.splitlines()], ["sluice"])

    def test_log_retention_removes_old_logs_and_says_so(self):
        self.write_dag("n.yaml", 'dag: n\ntasks:\n  t: {run: "echo hi"}\n')
        run_id = self.dags_test("n")
        log = os.path.join(self.home, "logs", "n", run_id, "t.1.log")
        self.assertTrue(os.path.exists(log))
        with open(os.path.join(self.home, "sluice.yaml"), "w") as f:
            f.write("log_retention: 1s\n")
        time.sleep(1.1)  # the run must have ended more than 1s ago in real time
        p = self.start_scheduler()
        self.wait_until(lambda: "log_retention (1s): removed 1 log(s)" in read(p.log_path),
                        what="the sweep's log line")
        self.assertFalse(os.path.exists(os.path.dirname(log)))
        r = self.sluice("tasks", "logs", "n", run_id, "t")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.err, f"error: the log of n/{run_id}/t try 1 was removed by "
                                "log_retention (1s)\n")

    def test_log_retention_errors_name_the_place(self):
        with open(os.path.join(self.home, "sluice.yaml"), "w") as f:
            f.write("parallelism: 2\nlog_retention: 30x\n")
        r = self.sluice("runs", "list")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, f"error: {self.home}/sluice.yaml:2:1: error: log_retention: "
                                "invalid duration '30x' (use e.g. 45s, 5m, 2h, 1d, 1h30m or a "
                                "number of seconds)\n")



class FullLogDiskTest(SluiceTestCase):
    """The logs folder on a small tmpfs that the task's output fills (root only, as db_test)."""

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0:
            self.skipTest("mounting a tmpfs needs root; run as root to test a full log disk")
        logs = os.path.join(self.home, "logs")
        os.makedirs(logs)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", logs],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, f"mount -t tmpfs failed: {r.stderr}")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.addCleanup(subprocess.run, ["umount", "-l", logs], check=False)

    def test_a_task_that_fills_the_log_disk_succeeds_once_even_across_a_scheduler_crash(self):
        paid = os.path.join(self.root, "payments")
        self.write_dag("pay.yaml", "dag: pay\ntasks:\n"
                       f'  pay: {{run: "echo paid >> {paid}; seq 1 200000; sleep 2"}}\n')
        first = self.start_scheduler()
        run_id = self.sluice("dags", "trigger", "pay", "--output", "json").json()["run_id"]
        self.wait_until(lambda: os.path.exists(paid), what="the task to start")
        # The scheduler dies while the task runs; the task ends while none runs.
        self.stop_scheduler(first, signal.SIGKILL)
        self.wait_until(lambda: "sluice| result: " in read_tail(
            os.path.join(self.home, "logs", "pay", run_id, "pay.1.log")),
            what="the task to end")
        second = self.start_scheduler()
        self.wait_until(lambda: self.runs("pay")[0]["state"] != "running", what="the run to end")
        self.assertEqual(self.runs("pay")[0]["state"], "success")
        task = self.tasks("pay", run_id)["pay"]
        self.assertEqual((task["state"], task["tries"]), ("success", 1))
        self.assertRegex(task["log_note"], r"^log cut: No space left on device: \d+ bytes not kept$")
        self.assertEqual(read(paid), "paid\n")  # it ran once
        self.stop_scheduler(second)
        with open(second.log_path) as f:
            self.assertRegex(f.read(), r"WARN  task pay/" + re.escape(run_id) +
                             r"/pay try 1: log cut: No space left on device: \d+ bytes not kept")
        r = self.sluice("tasks", "logs", "pay", run_id, "pay", "--tail", "3")
        self.assertRegex(strip_times(r.out),
                         r"^TS sluice\| the log is cut: No space left on device; \d+ bytes of it "
                         r"were not kept\nTS sluice\| exit code 0\nTS sluice\| result: .*done=1\n$")


class LogCapTest(SluiceTestCase):
    def test_log_max_bytes_cuts_the_output_with_a_note_and_tasks_list_says_so(self):
        with open(os.path.join(self.home, "sluice.yaml"), "w") as f:
            f.write("log_max_bytes: 1kB\n")
        self.write_dag("big.yaml", 'dag: big\ntasks:\n  t: {run: "seq 1 1000"}\n')
        run_id = self.sluice("dags", "test", "big", "--output", "json").json()["run_id"]
        task = self.tasks("big", run_id)["t"]
        self.assertEqual(task["state"], "success")
        self.assertRegex(task["log_note"], r"^log cut at log_max_bytes: \d+ bytes not kept$")
        text = strip_times(self.sluice("tasks", "logs", "big", run_id, "t").out)
        outs = re.findall(r"TS out\| (\d+)\n", text)
        self.assertEqual(outs, [str(n) for n in range(1, len(outs) + 1)])
        self.assertLessEqual(sum(len(f"TS0000000000000000000000000 out| {n}\n".replace("TS", ""))
                                 for n in outs), 1000)
        self.assertIn("TS sluice| the log reached log_max_bytes (1000 bytes of output): the rest "
                      "of the task's output is not kept\nTS sluice| exit code 0\n", text)

if __name__ == "__main__":
    unittest.main()
