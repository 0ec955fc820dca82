"""The OpenAPI 3 document of the HTTP API (served at /api/v1/openapi.json), written as Python
data because JSON Schema by hand repeats itself. The build runs `openapi.py --cc OUT` to embed
it in the server (openapi_doc.h); `openapi.py` alone prints it. api_test checks that its paths
and methods are exactly the server's routes, with the same roles."""
import json
import sys

S = lambda t, **kw: dict(type=t, **kw)
STR = S("string"); INT = S("integer"); NUM = S("number"); BOOL = S("boolean")
def nullable(s): return {**s, "nullable": True}
TIME = nullable(S("string", format="date-time"))
def ref(n): return {"$ref": f"#/components/schemas/{n}"}
def obj(props, required=None, extra=False):
    o = {"type": "object", "properties": props, "required": required if required is not None else list(props)}
    if not extra: o["additionalProperties"] = True
    return o
def arr(items): return {"type": "array", "items": items}

# What control/users.cc accepts: a user name, a password (bytes: at most 1024 of them), a label.
USER_NAME = S("string", pattern="^[A-Za-z0-9_.@-]{1,64}$")
# JSON Schema counts characters, the server bytes: a password of 8 characters has 8 bytes or
# more, so minLength holds; the limit of 1024 bytes is said only in words.
PASSWORD = S("string", minLength=8, description="8 to 1024 bytes (UTF-8)")
LABEL = S("string", maxLength=200)

schemas = {
 "Error": obj({"error": obj({"code": STR, "message": STR})}),
 "Health": obj({"status": S("string", enum=["ok", "unavailable"])}, ["status"]),
 "Version": obj({"version": STR, "scheduler_running": BOOL}),
 "RecentRun": obj({"run_id": STR, "state": STR, "logical_date": TIME}),
 "DagListItem": obj({"dag": STR, "file": STR, "description": STR, "owner": STR, "tags": arr(STR),
                     "paused": BOOL, "schedule": nullable(STR), "timezone": STR, "next_due": TIME,
                     "schedule_text": nullable(STR),
                     "errors": arr(STR), "recent_runs": arr(ref("RecentRun"))}),
 "BrokenFile": obj({"file": STR, "errors": arr(STR)}),
 "DagList": obj({"dags": arr(ref("DagListItem")), "broken_files": arr(ref("BrokenFile")),
                 "next_cursor": nullable(STR)}),
 "DagTask": obj({"task": STR, "kind": STR, "upstream": arr(STR), "pool": STR}),
 "Dag": obj({"dag": STR, "file": STR, "description": STR, "owner": STR, "tags": arr(STR),
             "paused": BOOL, "schedule": nullable(STR), "timezone": STR, "version": STR,
             "schedule_text": nullable(STR),
             "params": S("object", additionalProperties=STR), "errors": arr(STR),
             "tasks": arr(ref("DagTask")), "spec": S("object")}),
 "DagSource": obj({"dag": STR, "file": STR, "source": STR}),
 "Paused": obj({"dag": STR, "paused": BOOL}),
 "Run": obj({"dag": STR, "run_id": STR, "type": STR, "state": STR, "logical_date": TIME,
             "data_interval_start": TIME, "data_interval_end": TIME, "queued_at": TIME,
             "start": TIME, "end": TIME, "duration": nullable(NUM), "params": S("object"),
             "sla_missed": BOOL, "sla_missed_at": TIME}),
 "TriggeredRun": {"allOf": [ref("Run"), obj({"dag_paused": BOOL})]},
 "RunList": obj({"runs": arr(ref("Run")), "next_cursor": nullable(STR)}),
 "TriggerBody": {"type": "object", "additionalProperties": False,
                 "properties": {"params": S("object", additionalProperties={"oneOf": [STR, NUM, BOOL]})}},
 "Explanation": obj({"rule": STR, "text": STR}),
 "Task": obj({"task": STR, "map_index": nullable(INT), "state": STR, "tries": INT, "start": TIME,
              "end": TIME, "duration": nullable(NUM), "failure": nullable(STR),
              "log_note": nullable(STR), "pokes": INT, "last_poke": nullable(STR),
              "last_poke_at": TIME, "next_try_at": TIME, "summary": STR,
              "blocked_by": arr(ref("Explanation"))}),
 "TaskList": obj({"dag": STR, "run_id": STR, "tasks": arr(ref("Task"))}),
 "Attempt": obj({"try": INT, "state": STR, "start": TIME, "end": TIME, "duration": nullable(NUM),
                 "exit_code": nullable(INT), "signal": nullable(INT), "timed_out": BOOL, "host": STR,
                 "reason": nullable(STR), "log_note": nullable(STR)}),
 "AttemptList": obj({"attempts": arr(ref("Attempt"))}),
 "ClearBody": {"type": "object", "additionalProperties": False, "properties": {"downstream": BOOL, "upstream": BOOL}},
 "ClearRunBody": {"type": "object", "additionalProperties": False, "properties": {"only_failed": BOOL}},
 "EmptyBody": {"type": "object", "additionalProperties": False, "properties": {}},
 "MarkBody": {"type": "object", "additionalProperties": False, "required": ["state"],
              "properties": {"state": S("string", enum=["success", "failed"])}},
 "CommandResult": obj({"dag": STR, "run_id": STR, "task": STR, "message": STR}),
 "RunCommandResult": obj({"dag": STR, "run_id": STR, "message": STR}),
 "LogPart": obj({"try": INT, "state": STR, "offset": INT, "next_offset": INT, "size": INT,
                 "complete": BOOL, "content": STR}),
 # One Server-Sent Event of a followed log: a line of the log, a note while it waits, the end.
 "LogEvent": obj({"event": S("string", enum=["log", "note", "end", "error"]), "data": STR}),
 "GridCell": nullable(obj({"state": STR, "tries": INT, "duration": nullable(NUM)})),
 "GridRun": obj({"run_id": STR, "type": STR, "state": STR, "logical_date": TIME, "start": TIME,
                 "end": TIME, "cells": arr(ref("GridCell"))}),
 "Grid": obj({"dag": STR, "tasks": arr(STR), "runs": arr(ref("GridRun"))}),
 "LoginBody": {"type": "object", "additionalProperties": False, "required": ["user", "password"],
               "properties": {"user": STR, "password": STR}},
 "Login": obj({"user": STR, "role": STR, "csrf_token": STR, "expires": TIME}),
 "Session": obj({"user": STR, "role": STR, "via": S("string", enum=["session", "token"]),
                 "csrf_token": nullable(STR)}),
 "User": obj({"name": STR, "role": S("string", enum=["viewer", "operator", "admin"]),
              "created": TIME, "last_login": TIME}),
 "UserList": obj({"users": arr(ref("User"))}),
 "NewUserBody": {"type": "object", "additionalProperties": False, "required": ["name", "role", "password"],
                 "properties": {"name": USER_NAME, "role": S("string", enum=["viewer", "operator", "admin"]),
                                "password": PASSWORD}},
 "UpdateUserBody": {"type": "object", "additionalProperties": False,
                    "properties": {"role": S("string", enum=["viewer", "operator", "admin"]),
                                   "password": PASSWORD}},
 "Token": obj({"id": INT, "user": STR, "label": STR, "created": TIME, "last_used": TIME}),
 "TokenList": obj({"tokens": arr(ref("Token"))}),
 "NewTokenBody": {"type": "object", "additionalProperties": False,
                  "properties": {"label": LABEL, "user": USER_NAME}},
 "NewToken": obj({"id": INT, "user": STR, "label": STR, "token": STR}),
}

def err(desc): return {"description": desc, "content": {"application/json": {"schema": ref("Error")}}}
ERR_DEFS = {"400": err("a bad parameter or body"), "401": err("not signed in"),
        "403": err("the role does not allow it, or a missing CSRF token"),
        "404": err("no such thing"), "409": err("the state does not allow it"),
        "413": err("the body is over 1 MiB"), "415": err("the body is not JSON"),
        "429": err("rate-limited"), "500": err("the server or its store failed"),
        "507": err("the store's disk is full")}
ERRS = {k: {"$ref": f"#/components/responses/E{k}"} for k in ERR_DEFS}
def ok(schema, code="200", desc="OK"):
    if schema is None: return {code: {"description": desc}}
    return {code: {"description": desc, "content": {"application/json": {"schema": ref(schema)}}}}
def P(name, where="path", schema=STR, desc=""):
    p = {"name": name, "in": where, "required": where == "path", "schema": schema}
    if desc: p["description"] = desc
    return p
def op(summary, role, responses, params=(), body=None, tag=None):
    o = {"summary": summary, "tags": [tag] if tag else [], "x-sluice-role": role,
         "parameters": list(params), "responses": {**responses, **ERRS}}
    if role != "public": o["security"] = [{"bearer": []}, {"session": []}]
    else: o["security"] = []
    # A body whose schema requires fields must be sent; the others may be left out (taken as {}).
    if body: o["requestBody"] = {"required": bool(schemas[body].get("required")), "content": {"application/json": {"schema": ref(body)}}}
    return o
dag, run, task = P("dag"), P("run"), P("task")
def lim(d, m): return P("limit", "query", S("integer", minimum=1, maximum=m), f"default {d}")
paths = {
 "/api/v1/health": {"get": op("Whether the store answers", "public", {**ok("Health"), "503": {"description": "the store cannot be read", "content": {"application/json": {"schema": ref("Health")}}}}, tag="health")},
 "/api/v1/version": {"get": op("The server's version", "viewer", ok("Version"), tag="health")},
 "/metrics": {"get": op("Prometheus metrics (docs/metrics.md)", "viewer",
   {"200": {"description": "the text exposition format 0.0.4", "content": {"text/plain": {"schema": STR}}}}, tag="health")},
 "/api/v1/openapi.json": {"get": op("This document", "public", {"200": {"description": "the OpenAPI document", "content": {"application/json": {"schema": S("object")}}}}, tag="health")},
 "/api/v1/session": {
   "post": op("Log in: sets the sluice_session cookie", "public", ok("Login"), body="LoginBody", tag="session"),
   "get": op("Who is signed in", "viewer", ok("Session"), tag="session"),
   "delete": op("Log out", "viewer", ok(None, "204", "logged out"), tag="session")},
 "/api/v1/users": {
   "get": op("Users", "admin", ok("UserList"), tag="users"),
   "post": op("Create a user", "admin", ok("User", "201", "created"), body="NewUserBody", tag="users")},
 "/api/v1/users/{name}": {
   "put": op("Change a user's role or password", "admin", ok("User"), [P("name")], body="UpdateUserBody", tag="users"),
   "delete": op("Delete a user, its tokens and sessions", "admin", ok(None, "204", "deleted"), [P("name")], tag="users")},
 "/api/v1/tokens": {
   "get": op("API tokens (yours; an admin's: all, or ?user=)", "viewer", ok("TokenList"), [P("user", "query")], tag="tokens"),
   "post": op("Create an API token (shown once)", "viewer", ok("NewToken", "201", "created"), body="NewTokenBody", tag="tokens")},
 "/api/v1/tokens/{id}": {
   "delete": op("Revoke an API token", "viewer", ok(None, "204", "revoked"), [P("id", schema=S("integer", minimum=1))], tag="tokens")},
 "/api/v1/dags": {"get": op("DAGs and broken DAG files", "viewer", ok("DagList"),
   [P("search", "query"), P("tag", "query"), P("paused", "query", S("string", enum=["true", "false"])), lim(100, 1000), P("cursor", "query")], tag="dags")},
 "/api/v1/dags/{dag}": {"get": op("One DAG", "viewer", ok("Dag"), [dag], tag="dags")},
 "/api/v1/dags/{dag}/source": {"get": op("The DAG's file as it is now", "viewer", ok("DagSource"), [dag], tag="dags")},
 "/api/v1/dags/{dag}/pause": {"post": op("Pause a DAG", "operator", ok("Paused"), [dag], tag="dags")},
 "/api/v1/dags/{dag}/unpause": {"post": op("Unpause a DAG", "operator", ok("Paused"), [dag], tag="dags")},
 "/api/v1/dags/{dag}/grid": {"get": op("Runs by tasks: states, tries, durations", "viewer", ok("Grid"),
   [dag, lim(25, 400), P("before", "query", S("string", format="date-time"))], tag="dags")},
 "/api/v1/runs": {"get": op("Runs, newest logical date first", "viewer", ok("RunList"),
   [P("dag", "query"), P("state", "query", S("string", enum=["queued", "running", "success", "failed"])), P("since", "query"), lim(100, 1000), P("cursor", "query")], tag="runs")},
 "/api/v1/dags/{dag}/runs": {
   "get": op("A DAG's runs, newest logical date first", "viewer", ok("RunList"),
     [dag, P("state", "query", S("string", enum=["queued", "running", "success", "failed"])), P("since", "query"), lim(100, 1000), P("cursor", "query")], tag="runs"),
   "post": op("Trigger a run now", "operator", ok("TriggeredRun", "201", "created"), [dag], body="TriggerBody", tag="runs")},
 "/api/v1/dags/{dag}/runs/{run}": {"get": op("One run", "viewer", ok("Run"), [dag, run], tag="runs")},
 "/api/v1/dags/{dag}/runs/{run}/clear": {"post": op("Run its tasks again (or only the failed ones)", "operator", ok("RunCommandResult"), [dag, run], body="ClearRunBody", tag="runs")},
 "/api/v1/dags/{dag}/runs/{run}/cancel": {"post": op("Stop it: running tasks killed, the rest never start; it ends failed", "operator", ok("RunCommandResult"), [dag, run], body="EmptyBody", tag="runs")},
 "/api/v1/dags/{dag}/runs/{run}/tasks": {"get": op("A run's task instances and why each waits", "viewer", ok("TaskList"), [dag, run], tag="tasks")},
 "/api/v1/dags/{dag}/runs/{run}/tasks/{task}": {"get": op("One task instance", "viewer", ok("Task"), [dag, run, task], tag="tasks")},
 "/api/v1/dags/{dag}/runs/{run}/tasks/{task}/attempts": {"get": op("Its attempts", "viewer", ok("AttemptList"), [dag, run, task], tag="tasks")},
 "/api/v1/dags/{dag}/runs/{run}/tasks/{task}/clear": {"post": op("Run it again (and its downstream and/or upstream)", "operator", ok("CommandResult"), [dag, run, task], body="ClearBody", tag="tasks")},
 "/api/v1/dags/{dag}/runs/{run}/tasks/{task}/mark": {"post": op("Set its state by hand", "operator", ok("CommandResult"), [dag, run, task], body="MarkBody", tag="tasks")},
 "/api/v1/dags/{dag}/runs/{run}/tasks/{task}/kill": {"post": op("Stop its running attempt", "operator", ok("CommandResult"), [dag, run, task], tag="tasks")},
 "/api/v1/dags/{dag}/runs/{run}/tasks/{task}/log": {"get": op("A part of an attempt's log", "viewer", ok("LogPart"),
   [dag, run, task, P("try", "query", S("integer", minimum=0, maximum=1000000)), P("offset", "query", S("integer", minimum=0)),
    P("length", "query", S("integer", minimum=0, maximum=1048576)), P("tail", "query", S("integer", minimum=0, maximum=100000), "the last N lines; not with offset")], tag="logs")},
 "/api/v1/dags/{dag}/runs/{run}/tasks/{task}/log/stream": {"get": op("The log followed, as Server-Sent Events (event: log, note, end, error)", "viewer",
   {"200": {"description": "an event stream", "content": {"text/event-stream": {"schema": ref("LogEvent")}}}},
   [dag, run, task, P("try", "query", S("integer", minimum=0, maximum=1000000))], tag="logs")},
}
doc = {"openapi": "3.0.3",
       "info": {"title": "Sluice API", "version": "1",
                "description": "The HTTP API of sluice api and sluice standalone (docs/api.md)."},
       "servers": [{"url": "/"}],
       "paths": paths,
       "components": {"schemas": schemas, "responses": {f"E{k}": v for k, v in ERR_DEFS.items()}, "securitySchemes": {
           "bearer": {"type": "http", "scheme": "bearer", "description": "an API token from `sluice tokens create`"},
           "session": {"type": "apiKey", "in": "cookie", "name": "sluice_session",
                       "description": "set by POST /api/v1/session; changes also need the X-CSRF-Token header"}}}}

TEXT = json.dumps(doc, indent=1, sort_keys=True)

if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--cc":
        if ")sluice_json\"" in TEXT:
            sys.exit("openapi.py: the document holds the raw-string delimiter")
        cc = ("// Generated by src/api/openapi.py. Do not edit.\n"
              "#include \"api/openapi_doc.h\"\n\n"
              "namespace sluice::api {\n\n"
              "std::string_view OpenApiDocument() {\n"
              "  return R\"sluice_json(" + TEXT + ")sluice_json\";\n}\n\n"
              "}  // namespace sluice::api\n")
        try:
            with open(sys.argv[2]) as f:
                if f.read() == cc:
                    sys.exit(0)  # unchanged: the server is not recompiled
        except FileNotFoundError:
            pass
        with open(sys.argv[2], "w") as f:
            f.write(cc)
    else:
        print(TEXT)
