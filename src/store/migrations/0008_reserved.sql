-- Schema 8: reserved. Another branch (issue 14) adds its own 0008 migration; this placeholder
-- only keeps the numbering without a gap on the alerts branch, and is deleted when the two
-- branches meet (the other branch's 0008 takes its place). It changes nothing.

SELECT 1;
