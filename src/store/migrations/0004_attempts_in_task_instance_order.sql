-- Schema 4: attempts are stored in the order of their task instances, so a new attempt is
-- written at the end of the table instead of in the middle of it.
--
-- Version 3 kept attempts in a WITHOUT ROWID table keyed by (dag_id, run_id, task_id,
-- try_number). Attempts start in the order the scheduler runs tasks, not in the order of their
-- task ids, so each new attempt went into the middle of that B-tree; and SQLite rebalances a
-- full page of such a table by rewriting it with two of its neighbours and their parent. A
-- loop turn in a chain of tasks wrote 2.0 pages of `attempts` (tasks named t0, t1, ...) to
-- 2.7 (names in no particular order) of its 4.5 to 5.2 pages.
--
-- Now an attempt's key is an integer derived from its task instance's `seq` (the order its
-- run's tasks were first written, which is the DAG's order) and its try:
--   id = task_instances.seq * 1048576 + try_number     (tries 1 .. 1048575)
-- so a run's attempts follow one another, a task's tries are contiguous and in order, and a
-- new attempt lands at or near the end of a rowid table, where SQLite adds a page without
-- rebalancing its neighbours. A turn in a chain now writes 1.1 pages of `attempts`, whatever
-- the task names. The cost: an attempt needs its task instance in the store (the scheduler
-- always writes the task instances of a run when it creates the run), and the store looks its
-- `seq` up by the task instance's key on each upsert (an index read, no write).
-- dag_id, run_id, task_id and try_number stay as columns, for readers and the sqlite3 shell.
--
-- Rebuilt by SQLite's create, copy, drop, rename procedure (see 0002), in Migrate's one
-- transaction. Every attempt is kept. An attempt whose task instance is not stored (no
-- scheduler writes one; a hand-edited database might hold one) gets a task instance first, in
-- state `removed` (nothing more will happen to it), with its tries, first start and last end.

INSERT INTO task_instances (dag_id, run_id, task_id, state, try_number, retry_base, start_us,
                            end_us)
  SELECT dag_id, run_id, task_id, 'removed', MAX(try_number), 0, MIN(start_us), MAX(end_us)
  FROM attempts a
  WHERE NOT EXISTS (SELECT 1 FROM task_instances t
                    WHERE t.dag_id = a.dag_id AND t.run_id = a.run_id AND t.task_id = a.task_id)
  GROUP BY dag_id, run_id, task_id
  ORDER BY MIN(start_us), dag_id, run_id, task_id;

CREATE TABLE attempts_v4 (
  id INTEGER PRIMARY KEY,
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  try_number INTEGER NOT NULL CHECK (try_number BETWEEN 1 AND 1048575),
  state TEXT NOT NULL,
  start_us INTEGER NOT NULL,
  end_us INTEGER,
  exit_code INTEGER,
  signal INTEGER,
  timed_out INTEGER NOT NULL DEFAULT 0,
  host TEXT NOT NULL DEFAULT '',
  pid INTEGER NOT NULL DEFAULT 0,
  log_path TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO attempts_v4 (id, dag_id, run_id, task_id, try_number, state, start_us, end_us,
                         exit_code, signal, timed_out, host, pid, log_path, error)
  SELECT t.seq * 1048576 + a.try_number, a.dag_id, a.run_id, a.task_id, a.try_number, a.state,
         a.start_us, a.end_us, a.exit_code, a.signal, a.timed_out, a.host, a.pid, a.log_path,
         a.error
  FROM attempts a
  JOIN task_instances t ON t.dag_id = a.dag_id AND t.run_id = a.run_id AND t.task_id = a.task_id
  ORDER BY t.seq, a.try_number;
DROP TABLE attempts;
ALTER TABLE attempts_v4 RENAME TO attempts;
