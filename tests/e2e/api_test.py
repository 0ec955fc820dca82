"""The HTTP API end to end: `sluice standalone --listen 127.0.0.1:0` on a fresh home, real HTTP
on loopback, users made with the CLI. Every answer checked here is what a script or the web UI
would see: exact status codes, error codes and messages."""
import http.client
import json
import re
import subprocess
import time
import unittest

from sluice_api_e2e import HELLO
from sluice_e2e import SLUICE, SluiceTestCase

SLOW = """dag: slow
tasks:
  talk: {run: "for i in 1 2 3; do echo line $i; sleep 0.3; done"}
  nap: {run: "sleep 60"}
"""


class ApiTestCase(SluiceTestCase):
    def setUp(self):
        super().setUp()
        self.write_dag("hello.yaml", HELLO)
        self.write_dag("slow.yaml", SLOW)
        self.sched = self.start_scheduler()
        self.port = self.wait_until(self.served_port, timeout=30, what="the API to listen")
        with open(self.sched.log_path) as f:
            m = re.search(r"created user 'admin' \(role admin\) with the password (\S+)", f.read())
        self.assertIsNotNone(m, "standalone printed no first admin password")
        self.admin_password = m.group(1)
        self.make_user("olga", "operator")
        self.make_user("vera", "viewer")
        self.olga = self.token_of("olga")
        self.vera = self.token_of("vera")

    def served_port(self):
        with open(self.sched.log_path) as f:
            m = re.search(r"sluice api: serving http://127\.0\.0\.1:(\d+)", f.read())
        return int(m.group(1)) if m else None

    def make_user(self, name, role, password="correct horse"):
        p = subprocess.run([SLUICE, "users", "create", name, "--role", role], env=self.env,
                           input=password + "\n", capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)

    def token_of(self, user):
        r = self.sluice("tokens", "create", "--user", user)
        self.assertEqual(r.code, 0, r)
        return r.out.strip()

    def request(self, method, path, body=None, token=None, headers=None, raw_body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        data = raw_body
        if body is not None:
            data = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=h)
        res = conn.getresponse()
        text = res.read().decode()
        conn.close()
        parsed = None
        if res.getheader("Content-Type", "").startswith("application/json") and text:
            parsed = json.loads(text)
        return res.status, parsed, res

    def expect_error(self, answer, status, code, message=None):
        got_status, body, _ = answer
        self.assertEqual(got_status, status, body)
        self.assertEqual(body["error"]["code"], code, body)
        if message is not None:
            self.assertEqual(body["error"]["message"], message)

    def wait_run(self, dag, run_id, state="success", token=None):
        def done():
            _, run, _ = self.request("GET", f"/api/v1/dags/{dag}/runs/{run_id}", token=token or self.vera)
            return run if run["state"] == state else None
        return self.wait_until(done, timeout=60, what=f"run {run_id} to be {state}")


class AccessTest(ApiTestCase):
    def test_health_needs_no_sign_in_and_everything_else_does(self):
        status, body, _ = self.request("GET", "/api/v1/health")
        self.assertEqual((status, body), (200, {"status": "ok"}))
        self.expect_error(self.request("GET", "/api/v1/dags"), 401, "unauthenticated",
                          "sign in first: send a session cookie or an Authorization: Bearer token")
        self.expect_error(self.request("GET", "/api/v1/dags", token="slu_nope"), 401,
                          "unauthenticated", "invalid or revoked API token")
        self.expect_error(self.request("GET", "/api/v1/dags", headers={"Authorization": "Basic x"}),
                          401, "unauthenticated", "Authorization must be 'Bearer TOKEN'")
        self.expect_error(self.request("GET", "/metrics"), 401, "unauthenticated")

    def test_a_viewer_reads_but_may_not_act(self):
        status, _, _ = self.request("GET", "/api/v1/dags", token=self.vera)
        self.assertEqual(status, 200)
        self.expect_error(self.request("POST", "/api/v1/dags/hello/runs", {}, token=self.vera), 403,
                          "permission_denied",
                          "user 'vera' (viewer) may not do this: it needs the operator role")
        self.expect_error(self.request("POST", "/api/v1/dags/hello/pause", token=self.vera), 403,
                          "permission_denied")
        self.expect_error(self.request("GET", "/api/v1/users", token=self.olga), 403,
                          "permission_denied",
                          "user 'olga' (operator) may not do this: it needs the admin role")

    def test_a_revoked_token_is_refused(self):
        status, tokens, _ = self.request("GET", "/api/v1/tokens", token=self.vera)
        self.assertEqual(status, 200)
        [mine] = tokens["tokens"]
        self.assertEqual(mine["user"], "vera")
        self.assertNotIn("token", mine)
        status, _, _ = self.request("DELETE", f"/api/v1/tokens/{mine['id']}", token=self.vera)
        self.assertEqual(status, 204)
        self.expect_error(self.request("GET", "/api/v1/dags", token=self.vera), 401,
                          "unauthenticated", "invalid or revoked API token")

    def test_session_cookie_and_csrf(self):
        status, body, res = self.request("POST", "/api/v1/session",
                                         {"user": "olga", "password": "correct horse"})
        self.assertEqual(status, 200, body)
        self.assertEqual((body["user"], body["role"]), ("olga", "operator"))
        cookie = res.getheader("Set-Cookie")
        self.assertRegex(cookie, r"^sluice_session=[^;]+; Path=/; Max-Age=43200; HttpOnly; "
                                 r"SameSite=Strict$")
        session = {"Cookie": cookie.split(";")[0]}
        status, me, _ = self.request("GET", "/api/v1/session", headers=session)
        self.assertEqual((status, me["user"], me["csrf_token"]), (200, "olga", body["csrf_token"]))
        # A change with the cookie alone is refused: a page of another site could send it.
        self.expect_error(self.request("POST", "/api/v1/dags/hello/pause", headers=session), 403,
                          "csrf")
        self.expect_error(self.request("POST", "/api/v1/dags/hello/pause",
                                       headers=dict(session, **{"X-CSRF-Token": "x" * 43})),
                          403, "csrf")
        status, paused, _ = self.request(
            "POST", "/api/v1/dags/hello/pause",
            headers=dict(session, **{"X-CSRF-Token": body["csrf_token"]}))
        self.assertEqual((status, paused), (200, {"dag": "hello", "paused": True}))
        status, _, _ = self.request("DELETE", "/api/v1/session",
                                    headers=dict(session, **{"X-CSRF-Token": body["csrf_token"]}))
        self.assertEqual(status, 204)
        self.expect_error(self.request("GET", "/api/v1/session", headers=session), 401,
                          "unauthenticated")
        # Behind a proxy that terminates TLS the cookie is sent over TLS only.
        status, _, res = self.request("POST", "/api/v1/session",
                                      {"user": "olga", "password": "correct horse"},
                                      headers={"X-Forwarded-Proto": "https"})
        self.assertEqual(status, 200)
        self.assertRegex(res.getheader("Set-Cookie"), r"; HttpOnly; SameSite=Strict; Secure$")

    def test_failed_logins_are_limited_per_user(self):
        for _ in range(5):
            self.expect_error(self.request("POST", "/api/v1/session",
                                           {"user": "olga", "password": "wrong password"}),
                              401, "unauthenticated", "wrong user name or password")
        status, body, res = self.request("POST", "/api/v1/session",
                                         {"user": "olga", "password": "correct horse"})
        self.assertEqual(status, 429, body)
        self.assertEqual(body["error"]["code"], "too_many_requests")
        self.assertRegex(body["error"]["message"],
                         r"^too many failed logins for user 'olga'; try again in \d+ s$")
        self.assertGreater(int(res.getheader("Retry-After")), 800)
        # Another user is not held by olga's failures.
        status, _, _ = self.request("POST", "/api/v1/session",
                                    {"user": "vera", "password": "correct horse"})
        self.assertEqual(status, 200)


class BadRequestTest(ApiTestCase):
    def test_path_traversal_is_refused(self):
        for path in ("/api/v1/dags/%2e%2e/source", "/api/v1/dags/..%2f..%2fetc%2fpasswd/source",
                     "/api/v1/dags/hello/runs/%2e%2e/tasks/first/log"):
            status, body, _ = self.request("GET", path, token=self.vera)
            self.assertEqual(status, 404, path)
            self.assertEqual(body["error"]["code"], "not_found")
        self.expect_error(self.request("GET", "/api/v1/dags/hello/runs/r/tasks/first/log?try=../../x",
                                       token=self.vera), 400, "invalid_argument",
                          "invalid try '../../x' (use a whole number from 0 to 1000000)")

    def test_malformed_oversized_and_unknown_requests(self):
        self.expect_error(self.request("POST", "/api/v1/dags/hello/runs", raw_body="{not json",
                                       token=self.olga, headers={"Content-Type": "application/json"}),
                          400, "invalid_argument", "the body is not valid JSON")
        self.expect_error(self.request("POST", "/api/v1/dags/hello/runs", raw_body="[1]",
                                       token=self.olga, headers={"Content-Type": "application/json"}),
                          400, "invalid_argument", "the body must be a JSON object")
        self.expect_error(self.request("POST", "/api/v1/dags/hello/runs", raw_body="a=b",
                                       token=self.olga,
                                       headers={"Content-Type": "application/x-www-form-urlencoded"}),
                          415, "unsupported_media_type")
        self.expect_error(self.request("POST", "/api/v1/dags/hello/runs",
                                       raw_body="{\"params\": \"" + "x" * (2 << 20) + "\"}",
                                       token=self.olga, headers={"Content-Type": "application/json"}),
                          413, "payload_too_large")
        self.expect_error(self.request("POST", "/api/v1/dags/hello/runs", {"parms": {}},
                                       token=self.olga), 400, "invalid_argument",
                          "unknown field 'parms' in the body (use params)")
        self.expect_error(self.request("DELETE", "/api/v1/dags", token=self.olga), 405,
                          "method_not_allowed", "DELETE is not allowed on /api/v1/dags")
        self.expect_error(self.request("GET", "/api/v1/nothing", token=self.vera), 404, "not_found",
                          "no route GET /api/v1/nothing")
        self.expect_error(self.request("GET", "/api/v1/dags/nope", token=self.vera), 404, "not_found")
        self.expect_error(self.request("GET", "/api/v1/runs?limit=0", token=self.vera), 400,
                          "invalid_argument", "invalid limit '0' (use a whole number from 1 to 1000)")
        self.expect_error(self.request("GET", "/api/v1/runs?cursor=zz", token=self.vera), 400,
                          "invalid_argument", "invalid cursor (pass the next_cursor of the page before)")
        # Nothing of those changed anything.
        status, runs, _ = self.request("GET", "/api/v1/runs", token=self.vera)
        self.assertEqual((status, runs["runs"]), (200, []))

    def test_no_secret_in_any_answer(self):
        status, users, _ = self.request("GET", "/api/v1/users", token=self.token_of("admin"))
        self.assertEqual(status, 200)
        self.assertEqual(sorted(u["name"] for u in users["users"]), ["admin", "olga", "vera"])
        text = json.dumps(users)
        self.assertNotIn("argon2", text)
        self.assertNotIn("correct horse", text)
        self.assertEqual(set(users["users"][0]), {"name", "role", "created", "last_login"})


class ResourcesTest(ApiTestCase):
    def test_dag_list_detail_and_source(self):
        status, body, _ = self.request("GET", "/api/v1/dags?search=GREET", token=self.vera)
        self.assertEqual(status, 200)
        [hello] = body["dags"]
        self.assertEqual({k: hello[k] for k in ("dag", "owner", "tags", "paused", "recent_runs")},
                         {"dag": "hello", "owner": "data-eng", "tags": ["demo", "greet"],
                          "paused": False, "recent_runs": []})
        status, body, _ = self.request("GET", "/api/v1/dags?limit=1", token=self.vera)
        self.assertEqual([d["dag"] for d in body["dags"]], ["hello"])
        status, body, _ = self.request("GET", "/api/v1/dags?limit=1&cursor=" + body["next_cursor"],
                                       token=self.vera)
        self.assertEqual(([d["dag"] for d in body["dags"]], body["next_cursor"]), (["slow"], None))
        status, dag, _ = self.request("GET", "/api/v1/dags/hello", token=self.vera)
        self.assertEqual([(t["task"], t["upstream"]) for t in dag["tasks"]],
                         [("first", []), ("second", ["first"])])
        status, source, _ = self.request("GET", "/api/v1/dags/hello/source", token=self.vera)
        self.assertEqual(source["source"], HELLO)

    def test_the_schedule_in_words(self):
        # Both day fields restricted: cron runs on a day that matches either.
        self.write_dag("weekdays.yaml", "dag: weekdays\nschedule: \"30 18 1 * mon-fri\"\n"
                       "timezone: America/New_York\nstart: 2030-01-01\n"
                       "tasks:\n  t: {run: \"true\"}\n")
        self.write_dag("often.yaml", "dag: often\nschedule: {cron: \"*/15 9-17 * * *\", "
                       "mode: trigger}\nstart: 2030-01-01\ntasks:\n  t: {run: \"true\"}\n")

        def listed():
            _, body, _ = self.request("GET", "/api/v1/dags", token=self.vera)
            rows = {d["dag"]: d for d in body["dags"]}
            return rows if "weekdays" in rows and "often" in rows else None
        rows = self.wait_until(listed, timeout=30, what="the new DAGs in the list")
        self.assertEqual({d: (r["schedule"], r["schedule_text"]) for d, r in rows.items()},
                         {"hello": (None, None), "slow": (None, None),
                          "weekdays": ("30 18 1 * mon-fri", "at 18:30 on day 1 of the month or on "
                                       "Monday through Friday"),
                          "often": ("*/15 9-17 * * * (trigger)",
                                    "every 15 minutes from 09:00 through 17:45")})
        for dag in ("weekdays", "often", "hello"):
            status, detail, _ = self.request("GET", f"/api/v1/dags/{dag}", token=self.vera)
            self.assertEqual(status, 200)
            self.assertEqual(detail["schedule_text"], rows[dag]["schedule_text"])

    def test_trigger_watch_grid_log_and_clear(self):
        status, run, _ = self.request("POST", "/api/v1/dags/hello/runs", {"params": {"who": "api"}},
                                      token=self.olga)
        self.assertEqual(status, 201, run)
        self.assertEqual((run["dag"], run["type"], run["params"]), ("hello", "manual", {"who": "api"}))
        run_id = run["run_id"]
        self.wait_run("hello", run_id)
        status, grid, _ = self.request("GET", "/api/v1/dags/hello/grid", token=self.vera)
        self.assertEqual(grid["tasks"], ["first", "second"])
        [row] = grid["runs"]
        self.assertEqual([(c["state"], c["tries"]) for c in row["cells"]],
                         [("success", 1), ("success", 1)])
        status, log, _ = self.request("GET", f"/api/v1/dags/hello/runs/{run_id}/tasks/first/log",
                                      token=self.vera)
        self.assertEqual(status, 200, log)
        self.assertTrue(log["complete"])
        self.assertIn(" out| hello api\n", log["content"])
        self.assertEqual(log["next_offset"], log["size"])
        status, tail, _ = self.request(
            "GET", f"/api/v1/dags/hello/runs/{run_id}/tasks/first/log?tail=1", token=self.vera)
        self.assertEqual(tail["content"].count("\n"), 1)
        status, attempts, _ = self.request(
            "GET", f"/api/v1/dags/hello/runs/{run_id}/tasks/first/attempts", token=self.vera)
        self.assertEqual([(a["try"], a["state"], a["exit_code"]) for a in attempts["attempts"]],
                         [(1, "success", 0)])
        status, cleared, _ = self.request(
            "POST", f"/api/v1/dags/hello/runs/{run_id}/tasks/first/clear", {"downstream": True},
            token=self.olga)
        self.assertEqual(status, 200, cleared)
        self.wait_until(lambda: self.request("GET", f"/api/v1/dags/hello/runs/{run_id}/tasks",
                                             token=self.vera)[1]["tasks"][1]["tries"] == 2
                        and self.request("GET", f"/api/v1/dags/hello/runs/{run_id}",
                                         token=self.vera)[1]["state"] == "success",
                        timeout=60, what="both tasks to run again")

    def test_runs_are_paged_by_cursor(self):
        ids = []
        for _ in range(3):
            status, run, _ = self.request("POST", "/api/v1/dags/hello/runs", {}, token=self.olga)
            self.assertEqual(status, 201, run)
            ids.append(run["run_id"])
            time.sleep(0.002)  # distinct manual run ids (microsecond clock)
        status, page, _ = self.request("GET", "/api/v1/runs?dag=hello&limit=2", token=self.vera)
        self.assertEqual([r["run_id"] for r in page["runs"]], ids[::-1][:2])
        status, rest, _ = self.request(
            "GET", "/api/v1/runs?dag=hello&limit=2&cursor=" + page["next_cursor"], token=self.vera)
        self.assertEqual(([r["run_id"] for r in rest["runs"]], rest["next_cursor"]), ([ids[0]], None))

    def test_kill_and_follow_a_log(self):
        status, run, _ = self.request("POST", "/api/v1/dags/slow/runs", {}, token=self.olga)
        run_id = run["run_id"]
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", f"/api/v1/dags/slow/runs/{run_id}/tasks/talk/log/stream",
                     headers={"Authorization": "Bearer " + self.vera})
        res = conn.getresponse()
        self.assertEqual((res.status, res.getheader("Content-Type")), (200, "text/event-stream"))
        events = res.read().decode()
        conn.close()
        lines = re.findall(r"^data: \S+ out\| (line \d)$", events, re.M)
        self.assertEqual(lines, ["line 1", "line 2", "line 3"], events)
        self.assertTrue(events.endswith("event: end\ndata: {}\n\n"), events)

        def nap_running():
            _, t, _ = self.request("GET", f"/api/v1/dags/slow/runs/{run_id}/tasks/nap", token=self.vera)
            return t["state"] == "running"
        self.wait_until(nap_running, timeout=30, what="nap to run")
        status, killed, _ = self.request("POST", f"/api/v1/dags/slow/runs/{run_id}/tasks/nap/kill",
                                         token=self.olga)
        self.assertEqual(status, 200, killed)
        self.wait_run("slow", run_id, state="failed")
        self.expect_error(self.request("POST", f"/api/v1/dags/slow/runs/{run_id}/tasks/nap/kill",
                                       token=self.olga), 409, "failed_precondition")


    def test_cancel_a_run_then_clear_only_its_failed_tasks(self):
        status, run, _ = self.request("POST", "/api/v1/dags/slow/runs", {}, token=self.olga)
        run_id = run["run_id"]
        base = f"/api/v1/dags/slow/runs/{run_id}"

        def states():
            _, tasks, _ = self.request("GET", base + "/tasks", token=self.vera)
            return {t["task"]: (t["state"], t["tries"]) for t in tasks["tasks"]}
        self.wait_until(lambda: states() == {"talk": ("success", 1), "nap": ("running", 1)},
                        timeout=30, what="talk done and nap running")
        self.expect_error(self.request("POST", base + "/cancel", token=self.vera), 403,
                          "permission_denied")
        self.expect_error(self.request("POST", base + "/cancel", {"now": True}, token=self.olga),
                          400, "invalid_argument", "unknown field 'now' in the body (it takes none)")
        status, cancelled, _ = self.request("POST", base + "/cancel", token=self.olga)
        self.assertEqual(status, 200, cancelled)
        self.assertEqual(cancelled, {"dag": "slow", "run_id": run_id, "message":
                                     f"cancelled run '{run_id}' of dag 'slow': 1 task(s) failed, "
                                     "1 of them stopped while running"})
        self.wait_run("slow", run_id, state="failed")
        self.assertEqual(states(), {"talk": ("success", 1), "nap": ("failed", 1)})
        self.expect_error(self.request("POST", base + "/cancel", token=self.olga), 409,
                          "failed_precondition",
                          f"run '{run_id}' of dag 'slow' has already ended (failed): "
                          "nothing to cancel")

        status, cleared, _ = self.request("POST", base + "/clear", {"only_failed": True},
                                          token=self.olga)
        self.assertEqual(status, 200, cleared)
        self.assertEqual(cleared["message"], "cleared 1 task(s): nap")
        self.wait_until(lambda: states() == {"talk": ("success", 1), "nap": ("running", 2)},
                        timeout=30, what="nap to run again, talk kept")
        self.expect_error(self.request("POST", base + "/clear", {"only_failed": "yes"},
                                       token=self.olga),
                          400, "invalid_argument", "only_failed must be true or false")

    def test_metrics_for_a_viewer_with_the_schedulers_own_figures(self):
        status, run, _ = self.request("POST", "/api/v1/dags/hello/runs", {}, token=self.olga)
        self.wait_run("hello", run["run_id"])
        self.expect_error(self.request("GET", "/metrics"), 401, "unauthenticated")
        status, _, res = self.request("GET", "/metrics", token=self.vera)
        self.assertEqual(status, 200)
        self.assertEqual(res.getheader("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", "/metrics", headers={"Authorization": "Bearer " + self.vera})
        text = conn.getresponse().read().decode()
        conn.close()
        self.assertIn('sluice_runs{dag="hello",state="success"} 1\n', text)
        self.assertIn('sluice_task_instances{dag="hello",state="success"} 2\n', text)
        self.assertIn('sluice_attempt_duration_seconds_count{dag="hello"} 2\n', text)
        # standalone runs the scheduler in this process: its own figures are there.
        self.assertRegex(text, r"\nsluice_scheduler_turns_total [1-9]\d*\n")
        self.assertIn("\nsluice_executor_slots_capacity ", text)


if __name__ == "__main__":
    unittest.main()
