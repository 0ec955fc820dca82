-- Schema 9: alert deliveries (issue 14). A delivery is one event (a task or run failed,
-- retried, succeeded, missed its SLA, ran long) for one notifier of sluice.yaml. It is written
-- pending in the same transaction as the transition that caused it, so an alert is never lost
-- to a crash between the two; the delivery worker sends it and records every attempt.
--
-- No secret is stored: notifiers are named, their URLs and headers are read from sluice.yaml
-- (and `{{ env.NAME }}` resolved) at send time.

CREATE TABLE alert_deliveries (
  id INTEGER PRIMARY KEY,
  created_us INTEGER NOT NULL,
  event TEXT NOT NULL,
  notifier TEXT NOT NULL,
  dag_id TEXT NOT NULL,
  run_id TEXT NOT NULL,
  task_id TEXT NOT NULL DEFAULT '',
  map_index INTEGER NOT NULL DEFAULT -1,
  subject_state TEXT NOT NULL DEFAULT '',
  try_number INTEGER NOT NULL DEFAULT 0,
  max_tries INTEGER NOT NULL DEFAULT 0,
  logical_date_us INTEGER,
  log_path TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_us INTEGER,
  last_attempt_us INTEGER,
  last_error TEXT NOT NULL DEFAULT ''
);

-- The worker's question, "what is due?", reads only the pending rows.
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_us, id)
  WHERE state = 'pending';

CREATE TABLE alert_delivery_attempts (
  delivery_id INTEGER NOT NULL REFERENCES alert_deliveries (id),
  number INTEGER NOT NULL,
  time_us INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  http_status INTEGER,
  error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (delivery_id, number)
) WITHOUT ROWID;
