"""Users and API tokens end to end: `sluice users` and `sluice tokens` on the real binary, the
password read from standard input as a script gives it, and what each command prints."""
import re
import subprocess
import unittest

from sluice_e2e import SLUICE, Result, SluiceTestCase


class UsersTest(SluiceTestCase):
    def sluice_in(self, stdin, *args):
        proc = subprocess.run([SLUICE, *args], env=self.env, input=stdin, capture_output=True,
                              text=True, timeout=120)
        return Result(proc)

    def create(self, name, role, password="correct horse"):
        return self.sluice_in(password + "\n", "users", "create", name, "--role", role)

    def test_create_list_and_delete_users(self):
        r = self.create("bob", "operator")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "created user 'bob' (operator)\n")
        r = self.create("alice", "admin", "another secret")
        self.assertEqual(r.code, 0, r)

        r = self.sluice("users", "list", "-o", "json")
        self.assertEqual(r.code, 0, r)
        users = r.json()
        self.assertEqual([(u["name"], u["role"], u["last_login"]) for u in users],
                         [("alice", "admin", None), ("bob", "operator", None)])
        for u in users:
            self.assertEqual(sorted(u), ["created", "last_login", "name", "role"])
            self.assertRegex(u["created"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

        r = self.sluice("users", "list")
        self.assertEqual(r.code, 0, r)
        lines = r.out.splitlines()
        self.assertEqual(lines[0].split(), ["NAME", "ROLE", "CREATED", "LAST_LOGIN"])
        self.assertEqual([l.split()[:2] + l.split()[3:] for l in lines[1:]],
                         [["alice", "admin", "-"], ["bob", "operator", "-"]])
        self.assertNotIn("argon2", r.out)

        r = self.sluice("users", "set-role", "bob", "--role", "viewer")
        self.assertEqual((r.code, r.out), (0, "user 'bob' is now viewer\n"), r)
        r = self.sluice("users", "delete", "bob")
        self.assertEqual((r.code, r.out), (0, "deleted user 'bob' with its tokens and sessions\n"), r)
        self.assertEqual([u["name"] for u in self.sluice("users", "list", "-o", "json").json()],
                         ["alice"])
        r = self.sluice("users", "delete", "bob")
        self.assertEqual((r.code, r.err), (2, "error: no user 'bob'\n"), r)

    def test_bad_input_is_refused_and_changes_nothing(self):
        r = self.create("bob", "root")
        self.assertEqual((r.code, r.err),
                         (2, "error: unknown role 'root': use viewer, operator or admin\n"), r)
        r = self.create("bob", "viewer", "short")
        self.assertEqual((r.code, r.err),
                         (2, "error: password too short: at least 8 characters\n"), r)
        r = self.sluice_in("", "users", "create", "bob", "--role", "viewer")
        self.assertEqual((r.code, r.err), (
            2, "error: no password on standard input: give it as its first line\n"), r)
        r = self.create("bo b", "viewer")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(r.err, "error: invalid user name 'bo b': use 1 to 64 of A-Z a-z 0-9 _ . @ -\n")
        self.assertEqual(self.sluice("users", "list", "-o", "json").json(), [])

        self.assertEqual(self.create("bob", "viewer").code, 0)
        r = self.create("bob", "admin")
        self.assertEqual((r.code, r.err), (1, "error: user 'bob' exists\n"), r)
        self.assertEqual([u["role"] for u in self.sluice("users", "list", "-o", "json").json()],
                         ["viewer"])
        r = self.sluice("users", "set-role", "eve", "--role", "admin")
        self.assertEqual((r.code, r.err), (2, "error: no user 'eve'\n"), r)
        r = self.sluice_in("new password\n", "users", "reset-password", "eve")
        self.assertEqual((r.code, r.err), (2, "error: no user 'eve'\n"), r)
        r = self.sluice_in("new password\n", "users", "reset-password", "bob")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "reset the password of 'bob'; its sessions are logged out\n")

    def test_tokens_create_list_and_revoke(self):
        self.assertEqual(self.create("bob", "operator").code, 0)
        r = self.sluice("tokens", "create", "--user", "bob", "--label", "ci")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, r"^slu_[A-Za-z0-9_-]{43}\n$")
        token = r.out.strip()
        r = self.sluice("tokens", "create", "--user", "eve")
        self.assertEqual((r.code, r.out, r.err), (2, "", "error: no user 'eve'\n"), r)

        r = self.sluice("tokens", "list", "-o", "json")
        self.assertEqual(r.code, 0, r)
        tokens = r.json()
        self.assertEqual([(t["user"], t["label"], t["last_used"]) for t in tokens],
                         [("bob", "ci", None)])
        self.assertEqual(sorted(tokens[0]), ["created", "id", "label", "last_used", "user"])
        self.assertNotIn(token[4:], r.out)
        token_id = tokens[0]["id"]
        r = self.sluice("tokens", "list", "--user", "bob")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out.splitlines()[0].split(),
                         ["ID", "USER", "LABEL", "CREATED", "LAST_USED"])
        self.assertEqual(r.out.splitlines()[1].split()[:3], [str(token_id), "bob", "ci"])

        r = self.sluice("tokens", "revoke", str(token_id))
        self.assertEqual((r.code, r.out), (0, f"revoked API token {token_id}\n"), r)
        self.assertEqual(self.sluice("tokens", "list", "-o", "json").json(), [])
        r = self.sluice("tokens", "revoke", "999")
        self.assertEqual((r.code, r.err), (2, "error: no API token 999\n"), r)

        # The store holds neither the password nor the token.
        with open(self.db, "rb") as f:
            data = f.read()
        for wal in [self.db + "-wal"]:
            try:
                with open(wal, "rb") as f:
                    data += f.read()
            except FileNotFoundError:
                pass
        self.assertNotIn(b"correct horse", data)
        self.assertNotIn(token[4:].encode(), data)


if __name__ == "__main__":
    unittest.main()
