-- Sluice store schema, version 1 (SQLite). Applied by Store::Migrate in one transaction.
-- Instants are INTEGER microseconds since the Unix epoch, UTC; optional ones are NULL.
-- States are TEXT as the CLI prints them (TaskStateName, RunStateName, ...), so the database
-- reads the same from the sqlite3 shell. STRICT makes a wrongly typed write an error.

-- One row per migration applied; the schema version is the highest one.
CREATE TABLE schema_version (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_us INTEGER NOT NULL
) STRICT;

CREATE TABLE dags (
  dag_id TEXT PRIMARY KEY,
  file TEXT NOT NULL DEFAULT '',
  hash TEXT NOT NULL DEFAULT '',
  paused INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0,
  errors_json TEXT NOT NULL DEFAULT '[]',
  last_scheduled_us INTEGER
) STRICT;

-- Immutable: a version is written once and read by every run that names its hash.
CREATE TABLE dag_versions (
  dag_id TEXT NOT NULL,
  hash TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  created_us INTEGER NOT NULL,
  PRIMARY KEY (dag_id, hash)
) STRICT;

CREATE TABLE runs (
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  type TEXT NOT NULL,
  state TEXT NOT NULL,
  logical_date_us INTEGER NOT NULL,
  data_interval_start_us INTEGER NOT NULL,
  data_interval_end_us INTEGER NOT NULL,
  dag_hash TEXT NOT NULL,
  params_json TEXT NOT NULL DEFAULT '{}',
  queued_at_us INTEGER NOT NULL,
  start_us INTEGER,
  end_us INTEGER,
  PRIMARY KEY (dag_id, run_id)
) STRICT;
-- `runs list`, newest first, for all DAGs and for one.
CREATE INDEX runs_by_date ON runs (logical_date_us DESC, run_id DESC);
CREATE INDEX runs_by_dag_date ON runs (dag_id, logical_date_us DESC, run_id DESC);
-- Open (queued, running) runs at scheduler start-up, without scanning history.
CREATE INDEX runs_by_state ON runs (state);

-- `seq` keeps insertion order (the order of the DAG's tasks) across upserts and VACUUM.
CREATE TABLE task_instances (
  seq INTEGER PRIMARY KEY,
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  state TEXT NOT NULL,
  try_number INTEGER NOT NULL CHECK (try_number >= 0),
  retry_base INTEGER NOT NULL DEFAULT 0,
  start_us INTEGER,
  end_us INTEGER,
  next_try_at_us INTEGER,
  UNIQUE (dag_id, run_id, task_id)
) STRICT;

CREATE TABLE attempts (
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
) STRICT;
-- Running attempts at crash recovery.
CREATE INDEX attempts_by_state ON attempts (state);

-- Append-only; AUTOINCREMENT so an id is never reused and readers can page by id.
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time_us INTEGER NOT NULL,
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL DEFAULT '',
  task_id TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  from_state TEXT NOT NULL DEFAULT '',
  to_state TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE commands (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_us INTEGER NOT NULL,
  kind TEXT NOT NULL,
  args_json TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'pending',
  result TEXT NOT NULL DEFAULT ''
) STRICT;
-- The scheduler polls pending commands every loop turn.
CREATE INDEX commands_by_state ON commands (state, id);
