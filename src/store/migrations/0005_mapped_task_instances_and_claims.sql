-- Schema 5: mapped task instances, and claims with leases.
--
-- A task instance is now named by (dag_id, run_id, task_id, map_index). map_index is -1 for an
-- unmapped task (nullopt in the records: NULL would do, but NULL is never equal to NULL in a
-- UNIQUE index, so two rows of one unmapped task could coexist) and 0, 1, ... for the
-- instances of a mapped task. attempts and events carry the map_index of their task instance.
--
-- Claims: an executor moves queued task instances to running (Store::ClaimQueued), records
-- itself as their `owner` and holds them until `lease_until_us`, which it renews.
--
-- task_instances is rebuilt (SQLite cannot change a table's UNIQUE constraint in place) by the
-- create, copy, drop, rename procedure of 0002, keeping every row and its `seq`: an attempt's
-- id is derived from its task instance's seq (0004). Its key becomes a named unique index, so
-- a later migration can change it without a rebuild. attempts and events gain a column.

CREATE TABLE task_instances_v5 (
  seq INTEGER PRIMARY KEY,
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  map_index INTEGER NOT NULL DEFAULT -1 CHECK (map_index >= -1),
  state TEXT NOT NULL,
  try_number INTEGER NOT NULL CHECK (try_number >= 0),
  retry_base INTEGER NOT NULL DEFAULT 0,
  start_us INTEGER,
  end_us INTEGER,
  next_try_at_us INTEGER,
  owner TEXT NOT NULL DEFAULT '',
  lease_until_us INTEGER,
  -- While queued: the row's place in the queue (ClaimQueued takes the smallest first), given
  -- when it becomes queued; NULL in any other state. Not part of the records.
  queued_order INTEGER
) STRICT;
INSERT INTO task_instances_v5 (seq, dag_id, run_id, task_id, map_index, state, try_number,
                               retry_base, start_us, end_us, next_try_at_us, queued_order)
  SELECT seq, dag_id, run_id, task_id, -1, state, try_number, retry_base, start_us, end_us,
         next_try_at_us, CASE WHEN state = 'queued' THEN seq END
  FROM task_instances;
DROP TABLE task_instances;
ALTER TABLE task_instances_v5 RENAME TO task_instances;
CREATE UNIQUE INDEX task_instances_by_key
  ON task_instances (dag_id, run_id, task_id, map_index);
-- Queued task instances, oldest first, for ClaimQueued, which runs often and must not read
-- the open runs' every task instance to find a few queued ones. Partial: a row has an entry
-- only while it is queued, so the index stays as small as the queue and a scheduler turn that
-- never leaves a row queued (the local executor's) writes no page of it.
CREATE INDEX task_instances_queued ON task_instances (queued_order) WHERE state = 'queued';
-- Running task instances (RenewLeases, ListExpiredLeases) have no index: every running task
-- instance belongs to an open run (a run ends only after all of its task instances have), so
-- they are found through the open runs (runs_by_state) and each run's task instances by key,
-- as running attempts are (0003). An index would cost every update of a task instance: SQLite
-- opens each index of a table that an UPDATE may change.

ALTER TABLE attempts ADD COLUMN map_index INTEGER NOT NULL DEFAULT -1 CHECK (map_index >= -1);
ALTER TABLE events ADD COLUMN map_index INTEGER NOT NULL DEFAULT -1 CHECK (map_index >= -1);
