-- Sluice store schema, version 2: fewer B-tree pages written by each scheduler turn.
-- Every page a commit changes is one more WAL frame to checksum and write, and one more page
-- for the next checkpoint to copy; in a chain of tasks (one commit per task) version 1 wrote
-- about 8 pages per commit, this writes about 5 (docs/internals/store-schema.md, "Writes").
--
-- SQLite cannot change a table's key or options in place, so `events` and `attempts` are
-- rebuilt by the documented procedure (https://sqlite.org/lang_altertable.html, section 7):
-- create the new table, copy every row, drop the old one, rename the new one, recreate its
-- indexes. Its other steps do not apply: the schema has no foreign keys, triggers or views.
-- Migrate runs this file in one transaction, so a failure leaves version 1 as it was.
-- The copy reads every row once: on a large history this migration takes a while, once.

-- events: a plain INTEGER PRIMARY KEY instead of AUTOINCREMENT. AUTOINCREMENT only differs
-- after the row with the largest id is deleted (it then never reuses that id), and costs a
-- read and a write of its sqlite_sequence row on every insert. Events are append-only and
-- never deleted, so the largest id never goes away and a new id is still always the largest
-- so far plus one: ids never repeat and readers can keep paging by id. (A retention job added
-- later must keep the newest event, or go back to AUTOINCREMENT.) Ids are copied as they are.
CREATE TABLE events_v2 (
  id INTEGER PRIMARY KEY,
  time_us INTEGER NOT NULL,
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL DEFAULT '',
  task_id TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  from_state TEXT NOT NULL DEFAULT '',
  to_state TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO events_v2 (id, time_us, dag_id, run_id, task_id, kind, from_state, to_state, detail)
  SELECT id, time_us, dag_id, run_id, task_id, kind, from_state, to_state, detail FROM events;
-- Dropping the table also deletes its row in sqlite_sequence.
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;

-- attempts: WITHOUT ROWID, so the row lives in its primary-key B-tree and an insert writes one
-- B-tree instead of the table and the index that backed its key. Rows are a few hundred bytes,
-- well within what SQLite advises for WITHOUT ROWID.
CREATE TABLE attempts_v2 (
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  try_number INTEGER NOT NULL CHECK (try_number >= 1),
  state TEXT NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER,
  exit_code INTEGER,
  signal INTEGER,
  timed_out INTEGER NOT NULL DEFAULT 0,
  host TEXT NOT NULL DEFAULT '',
  pid INTEGER NOT NULL DEFAULT 0,
  log_path TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (dag_id, run_id, task_id, try_number)
) STRICT, WITHOUT ROWID;
INSERT INTO attempts_v2 (dag_id, run_id, task_id, try_number, state, start_us, end_us,
                         exit_code, signal, timed_out, host, pid, log_path, error)
  SELECT dag_id, run_id, task_id, try_number, state, start_us, end_us, exit_code, signal,
         timed_out, host, pid, log_path, error FROM attempts;
-- Also drops attempts_by_state.
DROP TABLE attempts;
ALTER TABLE attempts_v2 RENAME TO attempts;
-- Running attempts at crash recovery, in the order ListRunningAttempts returns them. Partial:
-- only running attempts have an entry, so an attempt's entry is written when it starts and
-- removed when it ends, instead of every attempt ever made sitting in an index by state.
CREATE INDEX attempts_running ON attempts (dag_id, run_id, task_id, try_number)
  WHERE state = 'running';
