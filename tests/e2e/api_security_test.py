"""The HTTP API's security, driven by the OpenAPI document the server serves: every operation in
it (so a route added tomorrow is covered without editing this file) is checked for sign-in,
roles, CSRF, path traversal, bad bodies and secrets in answers, against a real `sluice
standalone`. The document's x-sluice-role says who may call each operation."""
import json
import re
import socket
import unittest

from sluice_api_e2e import CONN_PASSWORD, PASSWORDS, ApiServerTestCase

ROLE_RANK = {"public": 0, "viewer": 1, "operator": 2, "admin": 3}
CHANGES = ("POST", "PUT", "PATCH", "DELETE")
# Parameters are inserted into paths as they are: some are percent-encoded on purpose.
TRAVERSALS = ["..", ".", "%2e%2e", "%2E%2E", ".%2e", "%2e%2e%2f", "..%2f..%2f..%2fetc%2fpasswd",
              "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%5c%2e%2e%5cetc%5cpasswd",
              "..\\..\\etc\\passwd", "%252e%252e%252fetc%252fpasswd", "%2fetc%2fpasswd",
              "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "hello%00", "%00", "..%00",
              "..%2f..%2fetc%2fpasswd%00"]
STATIC_TRAVERSALS = ["/../../etc/passwd", "/assets/..%2f..%2fetc%2fpasswd",
                     "/%2e%2e/%2e%2e/etc/passwd", "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                     "/..%2f..%2f..%2fetc%2fpasswd", "/assets/../../../etc/passwd",
                     "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/index.html%00", "/assets/%00",
                     "/api/v1/../../../etc/passwd", "/api/v1/%2e%2e/%2e%2e/etc/passwd"]
SAMPLE_PASSWORD = "Sample-Secret-Pw-71"
# Values for string fields of a sample body, by name: what makes the change succeed.
SAMPLE_STRINGS = {"password": SAMPLE_PASSWORD, "name": "sample_user", "user": "vera",
                  "label": "sample"}


def passwd_lines():
    with open("/etc/passwd") as f:
        return [line for line in f.read().splitlines() if len(line) > 8]


class SecurityTestCase(ApiServerTestCase):
    def schema(self, s):
        """Resolves a $ref of the document's components."""
        while "$ref" in s:
            s = self.doc["components"]["schemas"][s["$ref"].rsplit("/", 1)[1]]
        return s

    def sample(self, s, name=""):
        """A valid value of a schema: every property of an object, the first of an enum."""
        s = self.schema(s)
        if "enum" in s:
            return s["enum"][0]
        t = s.get("type")
        if t == "object":
            return {k: self.sample(v, k) for k, v in s.get("properties", {}).items()}
        if t == "boolean":
            return True
        if t in ("integer", "number"):
            return max(1, s.get("minimum", 1))
        if t == "array":
            return []
        return SAMPLE_STRINGS.get(name, "sample")

    def body_of(self, op):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return None
        return self.sample(content["application/json"]["schema"])

    def setUp(self):
        super().setUp()
        self.doc = self.openapi()
        self.values = self.path_values()

    def state(self):
        """What a change could change, read with the admin's token; volatile fields left out."""
        def rows(path, key, fields):
            a = self.get(path)
            self.assertEqual(a.status, 200, a)
            return sorted(tuple(json.dumps(r.get(f)) for f in fields) for r in a.json[key])
        return {
            "users": rows("/api/v1/users", "users", ["name", "role"]),
            "tokens": rows("/api/v1/tokens", "tokens", ["id", "user", "label"]),
            "dags": rows("/api/v1/dags", "dags", ["dag", "paused"]),
            "runs": rows("/api/v1/runs", "runs", ["dag", "run_id", "params"]),
            "tasks": rows(f"/api/v1/dags/hello/runs/{self.run_id}/tasks", "tasks",
                          ["task", "state", "tries"]),
        }

    def assert_passwords_unchanged(self):
        for user in PASSWORDS:
            self.login(user)


class SignInTest(SecurityTestCase):
    def test_only_health_openapi_and_login_are_public(self):
        public = sorted((m, p) for m, p, op in self.operations() if op["x-sluice-role"] == "public")
        self.assertEqual(public, [("GET", "/api/v1/health"), ("GET", "/api/v1/openapi.json"),
                                  ("POST", "/api/v1/session")])

    def test_every_private_operation_answers_401_without_valid_credentials(self):
        before = self.state()
        credentials = {
            "none": {},
            "an invalid token": {"Authorization": "Bearer slu_" + "A" * 43},
            "a token of another shape": {"Authorization": "Bearer nope"},
            "an empty bearer": {"Authorization": "Bearer "},
            "basic auth": {"Authorization": "Basic YWRtaW46YWRtaW4="},
            "an unknown session": {"Cookie": "sluice_session=" + "B" * 43},
        }
        checked = 0
        for method, template, op in self.operations():
            if op["x-sluice-role"] == "public":
                continue
            path = self.fill(template, self.values)
            body = self.body_of(op)
            for what, headers in credentials.items():
                with self.subTest(method=method, path=template, credentials=what):
                    a = self.request(method, path, body=body, headers=headers)
                    self.assertEqual((a.status, a.code()), (401, "unauthenticated"), a)
                    checked += 1
        self.assertGreater(checked, 20 * len(credentials))
        self.assertEqual(self.state(), before)

    def test_every_operation_refuses_a_role_below_its_own(self):
        before = self.state()
        checked = 0
        for method, template, op in self.operations():
            role = op["x-sluice-role"]
            if role in ("public", "viewer"):
                continue
            path = self.fill(template, self.values)
            for user in ("vera", "olga"):
                if ROLE_RANK[self.role_of(user)] >= ROLE_RANK[role]:
                    continue
                with self.subTest(method=method, path=template, user=user):
                    a = self.request(method, path, body=self.body_of(op), token=self.tokens[user])
                    self.assertEqual((a.status, a.code()), (403, "permission_denied"), a)
                    self.assertEqual(
                        a.json["error"]["message"],
                        f"user '{user}' ({self.role_of(user)}) may not do this: it needs the "
                        f"{role} role")
                    checked += 1
        self.assertGreater(checked, 10)
        self.assertEqual(self.state(), before)
        self.assert_passwords_unchanged()

    @staticmethod
    def role_of(user):
        return {"vera": "viewer", "olga": "operator", "admin": "admin"}[user]


class CsrfTest(SecurityTestCase):
    def test_a_change_with_the_cookie_needs_the_csrf_token(self):
        cookie, csrf = self.login("admin")
        before = self.state()
        wrong = ("A" if csrf[0] != "A" else "B") + csrf[1:]
        checked = 0
        for method, template, op in self.operations():
            if method not in CHANGES or op["x-sluice-role"] == "public":
                continue
            path = self.fill(template, self.values)
            for what, extra in {"no X-CSRF-Token": {}, "a wrong one": {"X-CSRF-Token": wrong},
                                "a short one": {"X-CSRF-Token": csrf[:10]},
                                "an empty one": {"X-CSRF-Token": ""}}.items():
                with self.subTest(method=method, path=template, csrf=what):
                    a = self.request(method, path, body=self.body_of(op),
                                     headers={"Cookie": cookie, **extra})
                    self.assertEqual((a.status, a.code()), (403, "csrf"), a)
                    self.assertIsNone(a.header("Set-Cookie"))
                    checked += 1
        self.assertGreater(checked, 10 * 4)
        self.assertEqual(self.state(), before)
        self.assert_passwords_unchanged()
        # The session itself was not ended by the refused DELETE /api/v1/session.
        a = self.request("GET", "/api/v1/session", headers={"Cookie": cookie})
        self.assertEqual((a.status, a.json["user"]), (200, "admin"), a)
        # With the token the same change is done: the refusals above were the CSRF check's.
        a = self.request("POST", "/api/v1/dags/hello/pause",
                         headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        self.assertEqual((a.status, a.json), (200, {"dag": "hello", "paused": True}))


class TraversalTest(SecurityTestCase):
    def assert_refused(self, a, what):
        self.assertGreaterEqual(a.status, 400, (what, a))
        self.assertLess(a.status, 500, (what, a))
        for line in self.passwd:
            self.assertNotIn(line, a.text, what)
        self.assertNotIn("root:x:0:0", a.text, what)

    def setUp(self):
        super().setUp()
        self.passwd = passwd_lines()

    def test_path_parameters_never_reach_a_file(self):
        before = self.state()
        checked = 0
        for method, template, op in self.operations():
            names = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
            for name in names:
                for bad in TRAVERSALS:
                    # Filled by hand: quoted, the payload would be a harmless name.
                    path = template.replace("{" + name + "}", bad)
                    path = self.fill(path, self.values)
                    with self.subTest(method=method, path=path):
                        a = self.request(method, path, body=self.body_of(op),
                                         token=self.tokens["admin"], timeout=10)
                        self.assert_refused(a, f"{method} {path}")
                        checked += 1
        self.assertGreater(checked, 200)
        self.assertEqual(self.state(), before)

    def test_log_parameters_are_numbers(self):
        checked = 0
        for method, template, op in self.operations():
            if "logs" not in op.get("tags", []):
                continue
            path = self.fill(template, self.values)
            for p in op.get("parameters", []):
                if p["in"] != "query":
                    continue
                for bad in TRAVERSALS + ["/etc/passwd", "-1", "1e3", "0x10", "%201", "1%00"]:
                    with self.subTest(path=template, param=p["name"], value=bad):
                        a = self.request(method, f"{path}?{p['name']}={bad}",
                                         token=self.tokens["admin"], timeout=10)
                        self.assert_refused(a, f"{p['name']}={bad}")
                        self.assertEqual(a.code(), "invalid_argument", a)
                        checked += 1
        self.assertGreater(checked, 5 * len(TRAVERSALS))

    def test_the_web_ui_serves_only_its_own_files(self):
        for path in STATIC_TRAVERSALS:
            with self.subTest(path=path):
                self.assert_refused(self.request("GET", path), path)
        # Its own files are served.
        a = self.request("GET", "/")
        self.assertEqual(a.status, 200, a)
        self.assertIn("<html", a.text.lower())


class BodyTest(SecurityTestCase):
    def test_bad_bodies_are_refused_and_change_nothing(self):
        before = self.state()
        big = '{"label": "' + "x" * (2 << 20) + '"}'
        bad_bodies = [
            ("2 MiB", big, "application/json", 413, "payload_too_large"),
            ("malformed", "{not json", "application/json", 400, "invalid_argument"),
            ("truncated", '{"params": {', "application/json", 400, "invalid_argument"),
            ("an array", "[1, 2]", "application/json", 400, "invalid_argument"),
            ("a string", '"text"', "application/json", 400, "invalid_argument"),
            ("a number", "7", "application/json", 400, "invalid_argument"),
            ("null", "null", "application/json", 400, "invalid_argument"),
            ("text/plain", "{}", "text/plain", 415, "unsupported_media_type"),
            ("a form", "a=b", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
            ("no type", "{}", None, 415, "unsupported_media_type"),
        ]
        messages = {"malformed": "the body is not valid JSON",
                    "truncated": "the body is not valid JSON",
                    "an array": "the body must be a JSON object",
                    "a string": "the body must be a JSON object",
                    "a number": "the body must be a JSON object",
                    "null": "the body must be a JSON object",
                    "2 MiB": "the body is larger than 1 MiB",
                    "text/plain": "send the body as application/json",
                    "a form": "send the body as application/json",
                    "no type": "send the body as application/json"}
        checked = 0
        for method, template, op in self.operations():
            if "requestBody" not in op:
                continue
            path = self.fill(template, self.values)
            for what, raw, ctype, status, code in bad_bodies:
                headers = {"Content-Type": ctype} if ctype else {}
                with self.subTest(method=method, path=template, body=what):
                    a = self.request(method, path, raw_body=raw, headers=headers,
                                     token=self.tokens["admin"])
                    self.assertEqual((a.status, a.code()), (status, code), a)
                    self.assertEqual(a.json["error"]["message"], messages[what])
                    checked += 1
        self.assertGreater(checked, 6 * len(bad_bodies))
        self.assertEqual(self.state(), before)
        self.assert_passwords_unchanged()


class MethodTest(SecurityTestCase):
    def test_a_method_a_path_does_not_document_is_405_with_allow(self):
        paths = {}
        for method, template, _ in self.operations():
            paths.setdefault(template, set()).add(method)
        for template, methods in paths.items():
            allowed = methods | ({"HEAD"} if "GET" in methods else set())
            path = self.fill(template, self.values)
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
                           "QUERY"):
                if method in allowed:
                    continue
                with self.subTest(method=method, path=template):
                    # Unauthenticated: which methods a path takes is in the public document.
                    a = self.request(method, path)
                    self.assertEqual((a.status, a.code()), (405, "method_not_allowed"), a)
                    if method != "QUERY":  # httplib reads no path after a method it does not know
                        self.assertEqual(a.header("Allow"), ", ".join(sorted(allowed)))


class TriggerParamsTest(SecurityTestCase):
    def test_a_param_name_cannot_set_another_param(self):
        before = self.state()
        for name in ("who=evil", "=x", ""):
            with self.subTest(name=name):
                a = self.request("POST", "/api/v1/dags/hello/runs", {"params": {name: "v"}},
                                 token=self.tokens["olga"])
                self.assertEqual((a.status, a.code()), (400, "invalid_argument"), a)
                self.assertEqual(a.json["error"]["message"],
                                 f"invalid param name '{name}' (empty, or holds '=')")
        self.assertEqual(self.state(), before)


class ConnectionTest(SecurityTestCase):
    """A request the server does not read whole must not leave bytes on a kept-alive connection:
    they would be read as the next request (a desync through which a request can be smuggled
    past a proxy that reads the message otherwise). Such answers close the connection."""

    def exchange(self, first):
        """Sends `first`, reads its answer, then sends a plain request on the same connection:
        returns (the first answer's text, what came after: "" when the server closed)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        try:
            s.sendall(first)
            answer = self.read_answer(s)
            try:
                s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                rest = s.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                rest = b""
            return answer, rest.decode(errors="replace")
        finally:
            s.close()

    @staticmethod
    def read_answer(s):
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
        while len(body) < length:
            body += s.recv(65536)
        return (head + b"\r\n\r\n" + body).decode(errors="replace")

    def test_a_request_not_read_whole_closes_the_connection(self):
        smuggled = (b"DELETE /api/v1/users/vera HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                    self.tokens["admin"].encode() + b"\r\n\r\n")
        length = b"Content-Length: %d\r\n\r\n" % len(smuggled)
        cases = {
            "GET with a body": (b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + length,
                                400, "GET takes no body"),
            "OPTIONS with a body": (b"OPTIONS /api/v1/dags HTTP/1.1\r\nHost: x\r\n" + length,
                                    400, "OPTIONS takes no body"),
            "a UI page with a body": (b"GET /dags HTTP/1.1\r\nHost: x\r\n" + length,
                                      400, "GET takes no body"),
            "a header line over 8 KiB": (b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nX-Pad: " +
                                         b"a" * 9000 + b"\r\n" + length,
                                         400, "the request could not be read"),
            "a URI over 8 KiB": (b"POST /api/v1/dags/" + b"d" * 9000 + b"/runs HTTP/1.1\r\n"
                                 b"Host: x\r\n" + length, 414, "the URI is longer than 8 KiB"),
            "an unknown method": (b"QUERY /api/v1/dags HTTP/1.1\r\nHost: x\r\n" + length, 405,
                                  "QUERY is not allowed: this server takes GET, HEAD, POST, PUT, "
                                  "PATCH, DELETE and OPTIONS"),
            "Content-Length and Transfer-Encoding": (
                b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" +
                length, 400, "send Content-Length or Transfer-Encoding, not both"),
        }
        for what, (head, status, message) in cases.items():
            with self.subTest(what):
                answer, rest = self.exchange(head + smuggled)
                self.assertTrue(answer.startswith(f"HTTP/1.1 {status} "), answer)
                self.assertIn("\r\nConnection: close\r\n", answer)
                self.assertIn(json.dumps(message), answer)
                self.assertEqual(rest, "", f"{what}: the connection served more: {rest}")
        # vera is still there: the smuggled DELETE was never read as a request.
        self.assertIn(["vera", "viewer"], [[u["name"], u["role"]] for u in
                                           self.get("/api/v1/users").json["users"]])
        # A request read whole keeps the connection for the next one.
        answer, rest = self.exchange(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(answer.startswith("HTTP/1.1 200 "), answer)
        self.assertTrue(rest.startswith("HTTP/1.1 200 "), rest)


class SecretsTest(SecurityTestCase):
    def assert_no_secret(self, a, what, allowed=()):
        secrets = {**{f"{u}'s password": p for u, p in PASSWORDS.items()},
                   "a sample password": SAMPLE_PASSWORD,
                   "the connection's password": CONN_PASSWORD,
                   "a password hash": "$argon2", "an argon2 hash": "argon2id",
                   **{f"{u}'s token": t for u, t in self.tokens.items()},
                   **{f"token {i}": t for i, t in enumerate(self.made_tokens)},
                   "the session": self.session_id}
        seen = a.text + "\n" + "\n".join(f"{k}: {v}" for k, v in a.headers)
        for name, secret in secrets.items():
            if secret in allowed:
                continue
            self.assertNotIn(secret, seen, f"{what} shows {name}: {a}")

    def test_no_answer_holds_a_secret(self):
        self.made_tokens = []
        cookie, _ = self.login("olga")
        self.session_id = cookie.split("=", 1)[1]
        callers = {"admin": {"Authorization": "Bearer " + self.tokens["admin"]},
                   "olga's session": {"Cookie": cookie},
                   "vera": {"Authorization": "Bearer " + self.tokens["vera"]}}
        gets = [(m, t) for m, t, _ in self.operations() if m == "GET"]
        self.assertIn(("GET", "/metrics"), gets)
        # Every GET, as each role; the sensor's run too, whose pokes' detail names the connection.
        for values in (self.values, dict(self.values, dag="waits", run=self.sensor_run,
                                         task="wait_row")):
            for _, template in gets:
                if template.endswith("/log/stream") and values["dag"] == "waits":
                    continue  # follows a task that is still waiting: never ends
                path = self.fill(template, values)
                for who, headers in callers.items():
                    with self.subTest(path=path, caller=who):
                        a = self.request("GET", path, headers=headers)
                        self.assertLess(a.status, 500, a)
                        self.assert_no_secret(a, f"GET {path} as {who}")
        poke = self.get(f"/api/v1/dags/waits/runs/{self.sensor_run}/tasks/wait_row").json
        self.assertIn("warehouse", poke["last_poke"])
        # Every change, as the admin, with a body that makes it happen; deletions last (they
        # remove vera, her token and the session used above).
        changes = [(m, t, op) for m, t, op in self.operations() if m in CHANGES]
        changes.sort(key=lambda c: c[0] == "DELETE")
        for method, template, op in changes:
            path = self.fill(template, self.values)
            with self.subTest(method=method, path=template):
                a = self.request(method, path, body=self.body_of(op),
                                 token=self.tokens["admin"])
                self.assertLess(a.status, 500, a)
                new = (a.json or {}).get("token") if template == "/api/v1/tokens" else None
                if method == "POST" and template == "/api/v1/tokens":
                    self.assertEqual(a.status, 201, a)
                    self.assertRegex(new, r"^slu_[A-Za-z0-9_-]{43}$")
                self.assert_no_secret(a, f"{method} {path}", allowed=(new,) if new else ())
                if new:
                    self.made_tokens.append(new)
        # A login answers its own session and CSRF token, nothing else.
        a = self.request("POST", "/api/v1/session",
                         {"user": "admin", "password": PASSWORDS["admin"]})
        self.assertEqual(a.status, 200, a)
        self.assert_no_secret(a, "POST /api/v1/session")


if __name__ == "__main__":
    unittest.main()
