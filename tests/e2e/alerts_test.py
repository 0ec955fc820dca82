"""Issue 14, alerts: the real scheduler delivers to a local HTTP sink, a local SMTP sink and a
command, retries a sink that is down until it is up, resumes pending deliveries after kill -9,
and never shows a header secret in `alerts list` or its log."""
import base64
import email
import email.header
import json
import os
import signal
import socket
import socketserver
import ssl
import subprocess
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sluice_e2e import SluiceTestCase

SECRET = "tok-8f3a9c1e77"


class HttpSink:
    """Records every POST: (path, headers, parsed JSON body)."""

    def __init__(self, port=0):
        self.posts = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                sink.posts.append((self.path, dict(self.headers), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """A tiny SMTP server (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) that keeps each
    message. With `tls` (an ssl.SSLContext) it offers STARTTLS; with `login` (user, password)
    it refuses mail until that login."""

    def __init__(self, tls=None, login=None):
        self.messages = []  # (mail_from, rcpts, data, over_tls, user)
        self.auth_failures = 0
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                def say(line):
                    self.wfile.write((line + "\r\n").encode())
                    self.wfile.flush()

                say("220 sink ESMTP")
                mail_from, rcpts, over_tls, user = None, [], False, None
                while True:
                    line = self.rfile.readline().decode(errors="replace")
                    if not line:
                        return
                    words = line.strip().split(" ")
                    verb = words[0].upper()
                    if verb in ("EHLO", "HELO"):
                        offers = []
                        if tls is not None and not over_tls:
                            offers.append("STARTTLS")
                        if login is not None:
                            offers.append("AUTH PLAIN")
                        for offer in offers:
                            say("250-" + offer)
                        say("250 sink")
                    elif verb == "STARTTLS" and tls is not None:
                        say("220 go ahead")
                        self.connection = tls.wrap_socket(self.connection, server_side=True)
                        self.rfile = self.connection.makefile("rb")
                        self.wfile = self.connection.makefile("wb")
                        over_tls = True
                    elif verb == "AUTH" and login is not None:
                        answer = words[2] if len(words) > 2 else None
                        if answer is None:
                            say("334 ")
                            answer = self.rfile.readline().decode().strip()
                        parts = base64.b64decode(answer).split(b"\0")
                        if [p.decode() for p in parts[1:]] == list(login):
                            user = login[0]
                            say("235 2.7.0 authenticated")
                        else:
                            sink.auth_failures += 1
                            say("535 5.7.8 authentication credentials invalid")
                    elif verb == "MAIL":
                        if login is not None and user is None:
                            say("530 5.7.0 authentication required")
                            continue
                        mail_from = line.strip()[10:]
                        say("250 ok")
                    elif verb == "RCPT":
                        rcpts.append(line.strip()[8:])
                        say("250 ok")
                    elif verb == "DATA":
                        say("354 go ahead")
                        data = b""
                        while True:
                            chunk = self.rfile.readline()
                            if chunk in (b".\r\n", b".\n", b""):
                                break
                            data += chunk
                        sink.messages.append((mail_from, rcpts, data, over_tls, user))
                        say("250 queued")
                    elif verb == "QUIT":
                        say("221 bye")
                        return
                    else:
                        say("250 ok")

            def finish(self):
                super().finish()
                self.connection.close()  # the TLS socket STARTTLS made, if any

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def self_signed_certificate(folder):
    """A certificate for 127.0.0.1 and its key, made by Debian's openssl: (cert, key) paths."""
    cert, key = os.path.join(folder, "relay.pem"), os.path.join(folder, "relay.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


FAILING_DAG = """dag: nightly
tasks:
  fetch:
    run: "for i in $(seq 1 30); do echo line $i; done; exit 3"
    on_failure: [ops]
"""


class AlertsTest(SluiceTestCase):
    def setUp(self):
        super().setUp()
        self.env["HOOK_TOKEN"] = SECRET
        self.sinks = []

    def tearDown(self):
        for s in self.sinks:
            s.stop()
        super().tearDown()

    def write_config(self, text):
        with open(os.path.join(self.home, "sluice.yaml"), "w") as f:
            f.write(text)

    def webhook_config(self, port):
        self.write_config(
            "notifiers:\n"
            f"  ops: {{webhook: \"http://127.0.0.1:{port}/hooks/T0/B0\", "
            "headers: {Authorization: \"Bearer {{ env.HOOK_TOKEN }}\"}, timeout: 5s}\n")

    def alerts(self, *args):
        r = self.sluice("alerts", "list", "--output", "json", *args)
        self.assertEqual(r.code, 0, r)
        return r.json()

    def trigger(self, dag):
        r = self.sluice("dags", "trigger", dag)
        self.assertEqual(r.code, 0, r)

    def scheduler_log(self, p):
        with open(p.log_path) as f:
            return f.read()

    def test_a_failed_task_posts_exactly_one_json_to_the_webhook(self):
        sink = HttpSink()
        self.sinks.append(sink)
        self.webhook_config(sink.port)
        self.write_dag("nightly.yaml", FAILING_DAG)
        p = self.start_scheduler()
        self.trigger("nightly")
        self.wait_until(lambda: sink.posts, timeout=30, what="the webhook's POST")
        run = self.runs("nightly")[0]
        self.wait_until(lambda: run["state"] == "failed" or self.runs("nightly")[0]["state"] == "failed",
                        what="the run to fail")
        self.wait_until(lambda: self.alerts()[0]["state"] == "delivered", what="delivered")
        path, headers, body = sink.posts[0]
        self.assertEqual(path, "/hooks/T0/B0")
        self.assertEqual(headers["Authorization"], "Bearer " + SECRET)
        self.assertEqual(headers["Content-Type"], "application/json")
        run_id = run["run_id"]
        self.assertEqual(body["event"], "failure")
        self.assertEqual(body["dag"], "nightly")
        self.assertEqual(body["run"], run_id)
        self.assertEqual(body["task"], "fetch")
        self.assertEqual(body["state"], "failed")
        self.assertEqual(body["try"], 1)
        self.assertEqual(body["max_tries"], 1)
        self.assertEqual(body["logical_date"], run["logical_date"])
        self.assertEqual(body["log"], [f"line {i}" for i in range(11, 31)])
        self.assertEqual(body["text"], f"✗ nightly/{run_id} task fetch failed (try 1 of 1)")
        self.assertIsNone(body["url"])
        alerts = self.alerts()
        self.assertEqual(len(alerts), 1)
        a = alerts[0]
        self.assertEqual({k: a[k] for k in ("event", "notifier", "dag", "run", "task", "state",
                                            "attempts", "last_error")},
                         {"event": "failure", "notifier": "ops", "dag": "nightly", "run": run_id,
                          "task": "fetch", "state": "delivered", "attempts": 1,
                          "last_error": None})
        self.assertEqual(a["history"][0]["http_status"], 200)
        # Nothing more comes: one failure, one notifier, one POST.
        self.stop_scheduler(p)
        self.assertEqual(len(sink.posts), 1)
        table = self.sluice("alerts", "list")
        for text in (table.out, table.err, json.dumps(alerts), self.scheduler_log(p)):
            self.assertNotIn(SECRET, text)

    def test_a_sink_that_is_down_gets_the_alert_once_it_is_up(self):
        port = free_port()
        self.webhook_config(port)
        self.write_dag("nightly.yaml", FAILING_DAG)
        p = self.start_scheduler()
        self.trigger("nightly")
        first = self.wait_until(
            lambda: [a for a in self.alerts() if a["attempts"] >= 1], timeout=30,
            what="the first attempt")[0]
        self.assertEqual(first["state"], "pending")
        self.assertIsNotNone(first["last_error"])
        sink = HttpSink(port)
        self.sinks.append(sink)
        # The second try comes 10 s after the first.
        delivered = self.wait_until(
            lambda: [a for a in self.alerts() if a["state"] == "delivered"], timeout=40,
            what="the retry to deliver")[0]
        self.assertEqual(delivered["attempts"], 2)
        self.assertEqual([h["ok"] for h in delivered["history"]], [False, True])
        self.assertIsNotNone(delivered["history"][0]["error"])
        self.assertIsNone(delivered["last_error"])
        self.assertEqual(len(sink.posts), 1)
        self.stop_scheduler(p)
        log = self.scheduler_log(p)
        self.assertIn("not delivered (attempt 1)", log)
        self.assertNotIn(SECRET, log)
        self.assertNotIn("/hooks/T0/B0", log)

    def test_a_pending_delivery_survives_kill_9(self):
        port = free_port()
        self.webhook_config(port)
        self.write_dag("nightly.yaml", FAILING_DAG)
        p = self.start_scheduler()
        self.trigger("nightly")
        self.wait_until(lambda: [a for a in self.alerts() if a["attempts"] >= 1], timeout=30,
                        what="the first attempt")
        self.stop_scheduler(p, signal.SIGKILL)
        sink = HttpSink(port)
        self.sinks.append(sink)
        p = self.start_scheduler()
        delivered = self.wait_until(
            lambda: [a for a in self.alerts() if a["state"] == "delivered"], timeout=40,
            what="delivery after the restart")[0]
        self.assertEqual(delivered["attempts"], 2)
        self.assertEqual(len(sink.posts), 1)
        self.stop_scheduler(p)

    def test_email_and_command_notifiers_and_a_run_level_list(self):
        smtp = SmtpSink()
        self.sinks.append(smtp)
        out = os.path.join(self.root, "paged.json")
        script = os.path.join(self.home, "page.sh")
        with open(script, "w") as f:
            f.write(f"#!/bin/sh\ncat > {out}\n")
        os.chmod(script, 0o755)
        self.write_config(
            "notifiers:\n"
            "  mail: {email: {to: [oncall@example.com], from: sluice@example.com, "
            f"smtp: \"smtp://127.0.0.1:{smtp.port}\", starttls: false}}}}\n"
            "  pager: {command: [./page.sh]}\n")
        self.write_dag("ok.yaml", "dag: ok\non_success: [mail, pager]\ntasks:\n"
                       "  a: {run: \"echo hello\"}\n")
        p = self.start_scheduler()
        self.trigger("ok")
        # The task's success and the run's, each to both notifiers.
        self.wait_until(lambda: len([a for a in self.alerts() if a["state"] == "delivered"]) == 4,
                        timeout=30, what="four deliveries")
        self.stop_scheduler(p)
        self.assertEqual(len(smtp.messages), 2)
        mail_from, rcpts, data, over_tls, _ = smtp.messages[0]
        self.assertFalse(over_tls)
        self.assertEqual(mail_from, "<sluice@example.com>")
        self.assertEqual(rcpts, ["<oncall@example.com>"])
        msg = email.message_from_bytes(data)
        subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
        self.assertRegex(subject, r"^\[sluice\] ✓ ok/manual__\S+ (task a|run) succeeded")
        self.assertIn("dag: ok", msg.get_payload(decode=True).decode())
        with open(out) as f:
            paged = json.loads(f.read())
        self.assertEqual(paged["dag"], "ok")
        self.assertEqual(paged["event"], "success")

    def mail_with_starttls_and_login(self, smtp, ca_file, password_env="SMTP_PASSWORD"):
        self.write_config(
            "notifiers:\n"
            "  mail: {email: {to: [oncall@example.com], from: sluice@example.com, "
            f"smtp: \"smtp://127.0.0.1:{smtp.port}\", starttls: true, username: etl, "
            f"password: \"{{{{ env.{password_env} }}}}\"}}, ca_file: {ca_file}, timeout: 5s}}\n")
        self.write_dag("nightly.yaml", FAILING_DAG.replace("[ops]", "[mail]"))

    def test_email_over_starttls_with_a_login_and_a_private_ca(self):
        cert, key = self_signed_certificate(self.root)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        smtp = SmtpSink(tls=tls, login=("etl", SECRET))
        self.sinks.append(smtp)
        self.env["SMTP_PASSWORD"] = SECRET
        self.mail_with_starttls_and_login(smtp, cert)
        p = self.start_scheduler()
        self.trigger("nightly")
        delivered = self.wait_until(lambda: self.alerts("--state", "delivered"), timeout=30,
                                    what="the mail to be delivered")[0]
        self.assertEqual((delivered["notifier"], delivered["event"], delivered["attempts"]),
                         ("mail", "failure", 1))
        self.stop_scheduler(p)
        self.assertEqual(len(smtp.messages), 1)
        mail_from, rcpts, data, over_tls, user = smtp.messages[0]
        self.assertEqual((mail_from, rcpts, over_tls, user),
                         ("<sluice@example.com>", ["<oncall@example.com>"], True, "etl"))
        self.assertIn("line 30", email.message_from_bytes(data).get_payload(decode=True).decode())
        self.assertNotIn(SECRET, self.sluice("alerts", "list").out)
        self.assertNotIn(SECRET, self.scheduler_log(p))

    def test_a_wrong_password_fails_the_send_saying_why(self):
        cert, key = self_signed_certificate(self.root)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        smtp = SmtpSink(tls=tls, login=("etl", "the-right-one"))
        self.sinks.append(smtp)
        self.env["SMTP_PASSWORD"] = SECRET
        self.mail_with_starttls_and_login(smtp, cert)
        p = self.start_scheduler()
        self.trigger("nightly")
        pending = self.wait_until(
            lambda: [a for a in self.alerts() if a["attempts"] >= 1], timeout=30,
            what="the first send")[0]
        self.stop_scheduler(p)
        # Not delivered, tried again later, and the error says why without the password.
        self.assertEqual(pending["state"], "pending")
        self.assertEqual(pending["last_error"], "Login denied")
        self.assertEqual(smtp.auth_failures, 1)
        self.assertEqual(smtp.messages, [])
        self.assertNotIn(SECRET, self.scheduler_log(p))

    def test_starttls_true_refuses_a_relay_that_does_not_offer_it(self):
        cert, _ = self_signed_certificate(self.root)
        plain = SmtpSink(login=("etl", SECRET))
        self.sinks.append(plain)
        self.env["SMTP_PASSWORD"] = SECRET
        self.mail_with_starttls_and_login(plain, cert)
        p = self.start_scheduler()
        self.trigger("nightly")
        pending = self.wait_until(
            lambda: [a for a in self.alerts() if a["attempts"] >= 1], timeout=30,
            what="the first send")[0]
        self.stop_scheduler(p)
        self.assertEqual(pending["state"], "pending")
        self.assertTrue(pending["last_error"].startswith("Requested SSL level failed"),
                        pending["last_error"])
        self.assertEqual(plain.messages, [])

    def test_an_unknown_notifier_fails_the_delivery_saying_why(self):
        self.write_config("notifiers:\n  pager: {command: [/bin/true]}\n")
        path = self.write_dag("nightly.yaml", FAILING_DAG)
        # `dags validate` warns (the DAG is valid and runs).
        r = self.sluice("dags", "validate")
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"{path}:3:3: warning: task 'fetch': on_failure: notifier 'ops' is not "
                      "defined under notifiers: in sluice.yaml (defined: pager)", r.err)
        r = self.sluice("dags", "validate", "--output", "json")
        self.assertEqual(len(r.json()["warnings"]), 1, r)
        p = self.start_scheduler()
        self.trigger("nightly")
        failed = self.wait_until(
            lambda: [a for a in self.alerts("--state", "failed")], timeout=30,
            what="the delivery to fail")[0]
        self.stop_scheduler(p)
        self.assertEqual(failed["attempts"], 1)
        self.assertEqual(failed["last_error"],
                         "notifier 'ops' is not defined under notifiers: in sluice.yaml "
                         "(defined: pager)")
        self.assertIn("notifier 'ops' is not defined", self.scheduler_log(p))

    def test_an_sla_miss_and_a_long_running_attempt_are_posted_once(self):
        sink = HttpSink()
        self.sinks.append(sink)
        self.webhook_config(sink.port)
        self.write_dag("late.yaml", "dag: late\nsla: 2s\non_sla_miss: [ops]\ntasks:\n"
                       "  nap: {run: \"sleep 5\"}\n")
        self.write_dag("slow.yaml", "dag: slow\ntasks:\n"
                       "  nap: {run: \"sleep 3\", expected_duration: 1s, "
                       "on_long_running: [ops]}\n")
        p = self.start_scheduler()
        self.trigger("late")
        self.trigger("slow")
        self.wait_until(lambda: len(sink.posts) >= 2, timeout=30, what="two POSTs")
        self.wait_until(lambda: all(r["state"] == "success" for r in self.runs())
                        and len(self.runs()) == 2, timeout=30, what="both runs to succeed")
        self.wait_until(lambda: len([a for a in self.alerts() if a["state"] == "delivered"]) == 2,
                        timeout=30, what="two deliveries")
        self.stop_scheduler(p)
        by_event = {body["event"]: body for _, _, body in sink.posts}
        self.assertEqual(sorted(by_event), ["long_running", "sla_miss"])
        self.assertEqual(len(sink.posts), 2)  # once each, though both ran on past their limits

        late = self.runs("late")[0]
        sla = by_event["sla_miss"]
        self.assertEqual((sla["dag"], sla["run"], sla["task"], sla["state"], sla["try"]),
                         ("late", late["run_id"], None, "running", None))
        self.assertRegex(sla["detail"],
                         r"^not done 2s after it was due at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z "
                         r"\(sla 2s\)$")
        self.assertEqual(sla["text"], f"⏰ late/{late['run_id']} run missed its SLA: " + sla["detail"])
        self.assertTrue(late["sla_missed"])
        self.assertIsNotNone(late["sla_missed_at"])
        self.assertFalse(self.runs("slow")[0]["sla_missed"])
        table = self.sluice("runs", "list", "--dag", "late")
        self.assertIn("success (sla missed)", table.out)

        slow = self.runs("slow")[0]
        long = by_event["long_running"]
        self.assertEqual((long["dag"], long["run"], long["task"], long["state"], long["try"],
                          long["max_tries"]), ("slow", slow["run_id"], "nap", "running", 1, 1))
        self.assertRegex(long["detail"], r"^running [12]s, longer than 1s \(expected_duration\)$")
        self.assertEqual(long["text"],
                         f"⌛ slow/{slow['run_id']} task nap is running long (try 1 of 1): "
                         + long["detail"])
        self.assertEqual(sorted(a["detail"] for a in self.alerts()),
                         sorted([long["detail"], sla["detail"]]))

    def test_unknown_notifiers_of_sla_and_long_running_lists_are_warnings(self):
        self.write_config("notifiers:\n  pager: {command: [/bin/true]}\n")
        path = self.write_dag("late.yaml", "dag: late\nsla: 1h\non_sla_miss: [ops]\n"
                              "on_long_running: [ops]\ntasks:\n"
                              "  nap: {run: \"true\", on_long_running: [mail]}\n")
        r = self.sluice("dags", "validate")
        self.assertEqual(r.code, 0, r)
        defined = "is not defined under notifiers: in sluice.yaml (defined: pager)"
        self.assertIn(f"{path}: warning: dag 'late': on_sla_miss: notifier 'ops' {defined}", r.err)
        self.assertIn(f"{path}: warning: dag 'late': on_long_running: notifier 'ops' {defined}",
                      r.err)
        self.assertIn(f"{path}:6:3: warning: task 'nap': on_long_running: notifier 'mail' "
                      f"{defined}", r.err)

    def test_a_bad_notifier_in_sluice_yaml_is_an_error_at_its_place(self):
        self.write_config("notifiers:\n  ops: {webhok: http://x}\n")
        r = self.sluice("alerts", "list")
        self.assertEqual(r.code, 2, r)
        self.assertIn("sluice.yaml:2:9: error: notifier 'ops': unknown key 'webhok' "
                      "(did you mean 'webhook'?)", r.err)


if __name__ == "__main__":
    unittest.main()
