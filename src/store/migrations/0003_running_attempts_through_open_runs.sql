-- Schema 3: no index of running attempts.
--
-- attempts_running cost one more page in every commit that starts or ends an attempt, about a
-- fifth of a turn's writes. A restarted scheduler now finds running attempts through the open
-- runs (runs_by_state, then each run's attempts by their key), which is enough because a run
-- ends only after every attempt of it has ended (Scheduler::MaybeFinishRun).
--
-- A store written before that rule may hold an attempt still marked running in an ended run:
-- the attempt of a task removed from its DAG, being stopped when its scheduler died. No
-- scheduler would look at it again, so it ends here, as the scheduler would have ended it.
UPDATE attempts
SET state = 'failed',
    end_us = COALESCE(end_us, start_us),
    error = 'lost: still running in an ended run when the store was upgraded to schema 3'
WHERE state = 'running'
  AND NOT EXISTS (SELECT 1 FROM runs r
                  WHERE r.dag_id = attempts.dag_id AND r.run_id = attempts.run_id
                    AND r.state IN ('queued', 'running'));
DROP INDEX attempts_running;
