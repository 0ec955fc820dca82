"""What the API's document-driven suites share (api_security_test, schemathesis_test): a real
`sluice standalone --listen 127.0.0.1:0` on a fresh home with a few DAGs (one with a finished
run, a waiting sensor, params), a connection with a password in sluice.yaml, users of each role
with known passwords and tokens, plain HTTP requests, and the OpenAPI document the server serves.
"""
import http.client
import json
import re
import subprocess
import urllib.parse

from sluice_e2e import SLUICE, SluiceTestCase

HELLO = """dag: hello
description: Says hello twice
owner: data-eng
tags: [demo, greet]
params: {who: world}
tasks:
  first: {run: "echo hello {{ params.who }}"}
  second: {run: "echo second", needs: [first]}
"""

# A sql sensor on the connection with a password: nothing listens on port 1, so each poke is an
# error whose detail (shown by the API) must not hold the password.
SENSOR = """dag: waits
tasks:
  wait_row: {sensor: sql, connection: warehouse, query: "select 1", poke_every: 1s, timeout: 1h}
  after: {run: "echo done", needs: [wait_row]}
"""

PARAMS = """dag: greet
schedule: "0 6 * * *"
params: {name: world, times: "2"}
tasks:
  say: {run: "echo hi {{ params.name }} x{{ params.times }}"}
"""

CONN_PASSWORD = "Conn-Pa55word-9f3c"
SLUICE_YAML = f"""connections:
  warehouse: "postgresql://etl:{CONN_PASSWORD}@127.0.0.1:1/wh"
"""

# Users made before the server starts, with the passwords they log in with.
PASSWORDS = {"admin": "admin horse battery", "olga": "operator horse battery",
             "vera": "viewer horse battery"}
ROLES = {"admin": "admin", "olga": "operator", "vera": "viewer"}


class Answer:
    """One HTTP answer: status, headers and body as text (and as JSON when it is JSON)."""

    def __init__(self, res, text):
        self.status = res.status
        self.headers = res.getheaders()
        self.text = text
        self.json = None
        if res.getheader("Content-Type", "").startswith("application/json") and text:
            self.json = json.loads(text)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def code(self):
        return (self.json or {}).get("error", {}).get("code")

    def __repr__(self):
        return f"HTTP {self.status} {self.text[:500]!r}"


class ApiServerTestCase(SluiceTestCase):
    """Starts the server once per test with the DAGs above, a finished run of hello (self.run_id),
    the users of PASSWORDS and a token of each (self.tokens)."""

    def setUp(self):
        super().setUp()
        self.write_dag("hello.yaml", HELLO)
        self.write_dag("waits.yaml", SENSOR)
        self.write_dag("greet.yaml", PARAMS)
        with open(f"{self.home}/sluice.yaml", "w") as f:
            f.write(SLUICE_YAML)
        # The admin exists before the first start, so standalone makes none of its own.
        for user, password in PASSWORDS.items():
            p = subprocess.run([SLUICE, "users", "create", user, "--role", ROLES[user]],
                               env=self.env, input=password + "\n", capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
        self.tokens = {user: self.new_token(user) for user in PASSWORDS}
        self.sched = self.start_scheduler()
        self.port = self.wait_until(self.served_port, timeout=30, what="the API to listen")
        self.run_id = self.trigger("hello", {"who": "api"})
        self.wait_run("hello", self.run_id, "success")
        self.sensor_run = self.trigger("waits", {})
        self.wait_until(lambda: self.get(f"/api/v1/dags/waits/runs/{self.sensor_run}/tasks/wait_row"
                                         ).json["pokes"] > 0, timeout=30, what="a poke")

    def served_port(self):
        with open(self.sched.log_path) as f:
            m = re.search(r"sluice api: serving http://127\.0\.0\.1:(\d+)", f.read())
        return int(m.group(1)) if m else None

    def new_token(self, user):
        r = self.sluice("tokens", "create", "--user", user)
        self.assertEqual(r.code, 0, r)
        return r.out.strip()

    def request(self, method, path, body=None, token=None, headers=None, raw_body=None,
                timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        data = raw_body
        if body is not None:
            data = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=data, headers=h)
            res = conn.getresponse()
            return Answer(res, res.read().decode(errors="replace"))
        finally:
            conn.close()

    def get(self, path, token=None):
        return self.request("GET", path, token=token or self.tokens["admin"])

    def trigger(self, dag, params):
        a = self.request("POST", f"/api/v1/dags/{dag}/runs", {"params": params},
                         token=self.tokens["admin"])
        self.assertEqual(a.status, 201, a)
        return a.json["run_id"]

    def wait_run(self, dag, run_id, state):
        path = f"/api/v1/dags/{dag}/runs/{urllib.parse.quote(run_id)}"
        return self.wait_until(lambda: self.get(path).json["state"] == state, timeout=60,
                               what=f"run {run_id} to be {state}")

    def login(self, user):
        """A browser session: (the Cookie header, the CSRF token)."""
        a = self.request("POST", "/api/v1/session", {"user": user, "password": PASSWORDS[user]})
        self.assertEqual(a.status, 200, a)
        return a.header("Set-Cookie").split(";")[0], a.json["csrf_token"]

    def openapi(self):
        a = self.request("GET", "/api/v1/openapi.json")
        self.assertEqual(a.status, 200, a)
        return a.json

    def operations(self):
        """Every (method, path template, operation) of the served document."""
        for path, ops in self.openapi()["paths"].items():
            for method, op in ops.items():
                yield method.upper(), path, op

    def path_values(self):
        """A real value for each path parameter, so a request gets past the lookup."""
        token_id = self.get("/api/v1/tokens?user=vera").json["tokens"][0]["id"]
        return {"dag": "hello", "run": self.run_id, "task": "first", "name": "vera",
                "id": str(token_id)}

    @staticmethod
    def fill(template, values):
        return re.sub(r"\{(\w+)\}",
                      lambda m: urllib.parse.quote(values[m.group(1)], safe=""), template)
