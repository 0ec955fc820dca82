-- Schema 6: an attempt remembers that a user asked to stop it (`sluice tasks kill`).
--
-- The request is committed with the command that made it, before the process is signalled, so
-- a scheduler restarted in between signals it again and still ends the task failed without a
-- retry, instead of treating the stopped attempt as an ordinary failure.

ALTER TABLE attempts ADD COLUMN kill_requested INTEGER NOT NULL DEFAULT 0;
