"""Helpers for end-to-end tests of the real `sluice` binary: a fresh SLUICE_HOME and DAGs
folder per test, running commands, and starting/stopping a scheduler process."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

SLUICE = os.environ.get("SLUICE_BIN", os.path.join(os.environ.get("SLUICE_BUILD_DIR", "build"), "sluice"))


class Result:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return f"exit {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}"


class SluiceTestCase(unittest.TestCase):
    """Each test gets its own home and DAGs folder, removed afterwards."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="sluice-e2e-")
        self.home = os.path.join(self.root, "home")
        self.dags = os.path.join(self.root, "dags")
        self.db = os.path.join(self.home, "sluice.db")  # the default without SLUICE_DB
        os.makedirs(self.home)
        os.makedirs(self.dags)
        self.env = dict(os.environ, SLUICE_HOME=self.home, SLUICE_DAGS=self.dags,
                        SLUICE_PARALLELISM="2")
        self.procs = []
        self.logs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for log in self.logs:
            log.close()
        # Supervisors of tasks a test left running are in their own sessions: end them too.
        subprocess.run(["pkill", "-KILL", "-f", "sluice-supervisor --dir " + self.home],
                       check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def write_dag(self, name, text, mode=0o644):
        path = os.path.join(self.dags, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def sluice(self, *args, timeout=120):
        proc = subprocess.run([SLUICE, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        return Result(proc)

    def start_scheduler(self, *args, ready=True):
        """Starts `sluice standalone`; with `ready`, returns once it holds the home's lock and has
        read the DAGs folder (it logs its start line then)."""
        path = os.path.join(self.root, f"scheduler-{len(self.procs)}.log")
        log = open(path, "w")
        self.logs.append(log)
        # Port 0: suites run side by side, and each standalone serves its API on a free port.
        listen = [] if "--listen" in args else ["--listen", "127.0.0.1:0"]
        p = subprocess.Popen([SLUICE, "standalone", *listen, *args], env=self.env, stdout=log,
                             stderr=subprocess.STDOUT)
        p.log_path = path
        self.procs.append(p)
        if ready:
            self.wait_until(lambda: self.scheduler_started(p), timeout=30,
                            what="the scheduler to start (its log: " + path + ")")
        return p

    def scheduler_started(self, p):
        if p.poll() is not None:
            with open(p.log_path) as f:
                self.fail(f"the scheduler exited with {p.returncode}:\n{f.read()}")
        with open(p.log_path) as f:
            return " sluice standalone: home " in f.read()

    def stop_scheduler(self, p, sig=signal.SIGTERM):
        p.send_signal(sig)
        p.wait(timeout=30)

    def wait_until(self, predicate, timeout=30.0, what="condition"):
        """Polls a real-world condition (a process finished, a row appeared) with a deadline."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        self.fail(f"timed out after {timeout}s waiting for {what}")

    def runs(self, dag=None):
        args = ["runs", "list", "--output", "json"] + (["--dag", dag] if dag else [])
        r = self.sluice(*args)
        self.assertEqual(r.code, 0, r)
        return r.json()

    def tasks(self, dag, run):
        r = self.sluice("tasks", "list", dag, run, "--output", "json")
        self.assertEqual(r.code, 0, r)
        return {t["task"]: t for t in r.json()}
