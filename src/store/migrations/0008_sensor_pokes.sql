-- Schema 8: a sensor's pokes (issue 14). A `sensor:` task waits `deferred` while the scheduler
-- pokes its condition; each poke is recorded on its task instance: how many so far, when the
-- last one was, and what it found ("no file matches in/*.csv"), for `tasks list` and `tasks why`.
-- Kept across a restart, so the count goes on. Other tasks keep 0, NULL and ''.

ALTER TABLE task_instances ADD COLUMN pokes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE task_instances ADD COLUMN last_poke_us INTEGER;
ALTER TABLE task_instances ADD COLUMN last_poke TEXT NOT NULL DEFAULT '';
