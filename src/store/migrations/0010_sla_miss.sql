-- Schema 10: SLA misses and long-running attempts (issue 14).
--
-- A run that is not done its DAG's `sla` after it was due misses its SLA once: the time is
-- recorded on the run (kept when the run ends later, shown by `runs list`), so a restarted
-- scheduler never alerts twice. An attempt found running longer than its task's threshold is
-- marked likewise, once per attempt. A delivery carries the line its event adds ("due
-- 2026-01-02T00:00:00Z, sla 2h", "running 1h 2m, threshold 30m").

ALTER TABLE runs ADD COLUMN sla_missed_us INTEGER;
ALTER TABLE attempts ADD COLUMN long_running_us INTEGER;
ALTER TABLE alert_deliveries ADD COLUMN detail TEXT NOT NULL DEFAULT '';
