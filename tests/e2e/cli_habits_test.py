"""What a command-line tool is expected to do, end to end: --version, help for a bare command,
"did you mean", JSON output, shell completion, and moving a crontab over."""
import json
import os
import subprocess
import unittest

from sluice_e2e import SLUICE, SluiceTestCase

HELLO = """\
dag: hello
tasks:
  extract: {run: "true"}
  load: {needs: [extract], run: "true"}
"""


class HelpAndVersionTest(SluiceTestCase):
    def test_version(self):
        r = self.sluice("--version")
        self.assertEqual((r.code, r.out), (0, "sluice 0.1.0\n"), r)

    def test_a_bare_command_prints_its_help(self):
        r = self.sluice()
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.startswith("Sluice: DAGs of jobs on schedules, run durably.\n"), r)
        self.assertIn("import-crontab", r.out)
        r = self.sluice("dags")
        self.assertEqual(r.code, 0, r)
        self.assertIn("Validate, inspect, pause and trigger DAGs", r.out)
        self.assertIn("trigger", r.out)

    def test_did_you_mean_a_command(self):
        r = self.sluice("dags", "lst")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, "error: 'lst' is not a command of 'sluice dags' (did you mean "
                                "'list'?); its commands: validate, list, show, pause, unpause, "
                                "trigger, test\n")
        r = self.sluice("--home", self.home, "rnus", "list")
        self.assertEqual(r.code, 2, r)
        self.assertTrue(r.err.startswith("error: 'rnus' is not a command of 'sluice' (did you "
                                         "mean 'runs'?); its commands: dags, runs, "), r)

    def test_positional_arguments_have_help(self):
        for cmd in (["tasks", "list"], ["tasks", "logs"], ["tasks", "clear"], ["tasks", "kill"],
                    ["dags", "trigger"], ["runs", "list"]):
            r = self.sluice(*cmd, "--help")
            self.assertEqual(r.code, 0, r)
            for line in r.out.splitlines():
                # CLI11 prints a positional as "  dag TEXT REQUIRED  help"; no help: nothing after.
                if line.startswith("  ") and " TEXT" in line and not line.strip().startswith("-"):
                    self.assertRegex(line, r"TEXT( REQUIRED)?\s{2,}\S", (cmd, line))


class JsonOutputTest(SluiceTestCase):
    def test_validate_gives_located_errors(self):
        path = self.write_dag("bad.yaml", "dag: bad\ntasks:\n  a: {run: x, retires: 2}\n")
        r = self.sluice("dags", "validate", "--output", "json")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.json(), {"ok": False, "dags": [], "errors": [
            {"file": path, "line": 3, "col": 15,
             "message": "unknown key 'retires' (did you mean 'retries'?)"}], "warnings": []})

    def test_pause_and_unpause(self):
        self.write_dag("hello.yaml", HELLO)
        r = self.sluice("dags", "pause", "hello", "--output", "json")
        self.assertEqual((r.code, r.json()), (0, {"dag": "hello", "paused": True}), r)
        r = self.sluice("dags", "unpause", "hello", "-o", "json")
        self.assertEqual((r.code, r.json()), (0, {"dag": "hello", "paused": False}), r)


class CompletionTest(SluiceTestCase):
    def complete_in_bash(self, *words):
        """What bash offers for the last of `words` with the script `sluice completion bash`."""
        script = self.sluice("completion", "bash").out
        words = ["sluice", *words]
        program = (script.replace("complete -F _sluice sluice",
                                  f"complete -F _sluice {SLUICE}") +
                   "COMP_WORDS=(" + " ".join("'%s'" % w for w in [SLUICE, *words[1:]]) + ")\n" +
                   f"COMP_CWORD={len(words) - 1}\n_sluice\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
        proc = subprocess.run(["bash", "-c", program], env=self.env, capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return [w for w in proc.stdout.splitlines() if w]

    def test_bash_completes_commands_flags_and_ids_from_the_store(self):
        self.assertEqual(self.complete_in_bash("da"), ["dags"])
        self.assertEqual(self.complete_in_bash("dags", "t"), ["trigger", "test"])
        self.assertIn("--downstream", self.complete_in_bash("tasks", "clear", "--d"))
        self.assertEqual(self.complete_in_bash("runs", "list", "--output", ""), ["table", "json"])
        self.write_dag("hello.yaml", HELLO)
        r = self.sluice("dags", "trigger", "hello", "-o", "json")
        self.assertEqual(r.code, 0, r)
        run_id = r.json()["run_id"]
        self.assertEqual(self.complete_in_bash("dags", "trigger", "he"), ["hello"])
        self.assertEqual(self.complete_in_bash("tasks", "list", "hello", ""), [run_id])
        self.assertEqual(self.complete_in_bash("tasks", "clear", "hello", run_id, ""),
                         ["extract", "load"])

    def test_zsh_script_is_offered(self):
        r = self.sluice("completion", "zsh")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.startswith("#compdef sluice\n"), r)
        r = self.sluice("completion", "fish")
        self.assertEqual(r.code, 2, r)


class ImportCrontabTest(SluiceTestCase):
    def test_a_crontab_becomes_dag_files_to_review(self):
        crontab = os.path.join(self.root, "crontab")
        with open(crontab, "w") as f:
            f.write("MAILTO=ops@example.com\n"
                    "30 18 * * 1-5 /opt/jobs/load_prices.sh --full >> /tmp/p.log 2>&1\n"
                    "@hourly cd /srv && ./sync.sh\n"
                    "@reboot /opt/start.sh\n")
        r = self.sluice("import-crontab", crontab, "--timezone", "Europe/London")
        self.assertEqual(r.code, 1, r)  # one line could not be imported
        self.assertEqual(r.err, f"error: {crontab}:4: @reboot has no equivalent: run it from "
                                "the machine's boot instead; not imported\n")
        self.assertIn(f"wrote {self.dags}/load_prices.yaml (line 2)\n", r.out)
        self.assertIn(f"wrote {self.dags}/sync.yaml (line 3)\n", r.out)
        r = self.sluice("dags", "validate")
        self.assertEqual(r.code, 0, r)
        self.assertIn("2 dag(s) in 2 file(s): no errors", r.out)
        r = self.sluice("schedule", "preview", "load_prices", "--from", "2030-01-07T00:00:00Z",
                        "--count", "1", "-o", "json")
        self.assertEqual(r.code, 0, r)
        # 18:30 in London in January is 18:30 UTC; mode trigger: due when cron would run it.
        self.assertEqual(r.json()[0]["due"], "2030-01-07T18:30:00Z")
        self.assertEqual(r.json()[0]["logical_date"], "2030-01-07T18:30:00Z")
        # A second import never overwrites what is there.
        r = self.sluice("import-crontab", crontab, "-o", "json")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(r.json()["written"], [])
        self.assertEqual([p["line"] for p in r.json()["problems"]], [2, 3, 4])

    def test_an_unreadable_crontab_or_zone_changes_nothing(self):
        r = self.sluice("import-crontab", os.path.join(self.root, "nope"))
        self.assertEqual(r.code, 2, r)
        self.assertTrue(r.err.startswith("error: cannot read crontab "), r)
        crontab = os.path.join(self.root, "crontab")
        with open(crontab, "w") as f:
            f.write("0 1 * * * x.sh\n")
        r = self.sluice("import-crontab", crontab, "--timezone", "Mars/Base")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(os.listdir(self.dags), [])


if __name__ == "__main__":
    unittest.main()
