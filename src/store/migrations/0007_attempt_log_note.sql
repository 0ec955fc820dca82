-- Schema 7: an attempt says when its log was cut (its log_max_bytes cap, or a full disk), e.g.
-- "log cut at log_max_bytes (100000000 bytes): 5230 bytes of output not kept".
--
-- The result of an attempt does not depend on room in its log (src/executor/README.md); the
-- note is how a user learns that the log they read is not the whole output.

ALTER TABLE attempts ADD COLUMN log_note TEXT NOT NULL DEFAULT '';
