// Views of runs over time: one run's tasks as a Gantt chart, run durations across runs, and a
// calendar of daily outcomes.
import { useState } from 'preact/hooks';
import {
  api, canOperate, dagPath, enc, type Grid, type Run, type Session, type TaskInstance,
} from './api';
import { ConfirmDialog } from './dialog';
import { ErrorBanner, fmtDuration, fmtTime, Link, StateBadge, usePoll } from './util';

function seconds(a: string | null, b: string | null): number | null {
  if (!a || !b) return null;
  return (new Date(b).getTime() - new Date(a).getTime()) / 1000;
}

// One run: its facts, clear and cancel behind a confirmation, and its tasks as bars on one time
// axis (a running task's bar grows to now).
export function RunPanel(props: {
  session: Session; dag: string; run: string; taskHref: (task: string) => string; onChanged?: () => void;
}) {
  const base = `${dagPath(props.dag)}/runs/${enc(props.run)}`;
  const run = usePoll(() => api<Run>('GET', base), [base]);
  const tasks = usePoll(() => api<{ tasks: TaskInstance[] }>('GET', `${base}/tasks`), [base]);
  const [action, setAction] = useState<'clear' | 'cancel' | null>(null);
  const [onlyFailed, setOnlyFailed] = useState(true);
  const [message, setMessage] = useState<string | null>(null);
  const allowed = canOperate(props.session.role);
  const notAllowed = allowed ? undefined : `needs the operator role (you are ${props.session.role})`;
  const act = async (a: 'clear' | 'cancel') => {
    const res = await api<{ message?: string } | null>('POST', `${base}/${a}`, a === 'clear' ? { only_failed: onlyFailed } : undefined);
    setMessage(res?.message || (a === 'clear' ? 'Cleared.' : 'Cancelled.'));
    run.reload();
    tasks.reload();
    props.onChanged?.();
  };
  const r = run.data;
  const list = tasks.data?.tasks ?? [];
  const now = Date.now();
  const started = list.filter((t) => t.start);
  const t0 = Math.min(...started.map((t) => new Date(t.start!).getTime()));
  const t1 = Math.max(...started.map((t) => (t.end ? new Date(t.end).getTime() : now)));
  const span = Math.max(t1 - t0, 1);
  return (
    <section class="run-panel" data-testid="run-panel">
      <ErrorBanner error={run.error ?? tasks.error} />
      {r && (
        <>
          <h3>Run {r.run_id} <StateBadge state={r.state} /></h3>
          <dl class="facts">
            <dt>Type</dt><dd>{r.type}</dd>
            <dt>Logical date</dt><dd>{fmtTime(r.logical_date)}</dd>
            <dt>Start</dt><dd>{fmtTime(r.start)}</dd>
            <dt>End</dt><dd>{fmtTime(r.end)}</dd>
            <dt>Duration</dt><dd>{fmtDuration(r.duration)}</dd>
            {Object.keys(r.params ?? {}).length > 0 && (
              <><dt>Params</dt><dd>{Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(', ')}</dd></>
            )}
          </dl>
          <div class="actions">
            <button disabled={!allowed} title={notAllowed} onClick={() => setAction('clear')}>Clear run</button>
            {/* Enabled whatever the state shows: it may be 2 s old, and the server says why not. */}
            <button class="danger" disabled={!allowed} title={notAllowed ?? 'stop it: it ends failed'}
              onClick={() => setAction('cancel')}>Cancel run</button>
          </div>
          {message && <div class="notice" role="status">{message}</div>}
        </>
      )}
      {action === 'clear' && (
        <ConfirmDialog title={`Clear run ${props.run}?`} confirmLabel="Clear"
          onClose={() => setAction(null)} onConfirm={() => act('clear')}>
          <label class="check">
            <input type="checkbox" name="only_failed" checked={onlyFailed}
              onChange={(e) => setOnlyFailed(e.currentTarget.checked)} />
            only its failed tasks (and those whose upstream failed)
          </label>
        </ConfirmDialog>
      )}
      {action === 'cancel' && (
        <ConfirmDialog title={`Cancel run ${props.run}?`} confirmLabel="Cancel run" dismissLabel="Keep it"
          danger onClose={() => setAction(null)} onConfirm={() => act('cancel')}>
          <p>Its running tasks are killed, the rest never start, and the run ends failed.</p>
        </ConfirmDialog>
      )}
      {started.length > 0 && (
        <table class="gantt" data-testid="gantt">
          <tbody>
            {list.map((t) => {
              const s = t.start ? new Date(t.start).getTime() : null;
              const e = t.end ? new Date(t.end).getTime() : now;
              return (
                <tr key={t.task}>
                  <th><Link href={props.taskHref(t.task)}>{t.task}</Link></th>
                  <td class="lane">
                    {s !== null && (
                      <span class={`bar st-${t.state}`} title={`${t.task}: ${t.state}, ${fmtDuration(t.duration ?? seconds(t.start, t.end))}`}
                        style={{ left: `${((s - t0) / span) * 100}%`, width: `max(2px, ${((e - s) / span) * 100}%)` }} />
                    )}
                  </td>
                  <td class="muted small">{fmtDuration(t.duration ?? seconds(t.start, t.end))}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

// Each run's duration (start to end, or to now while it runs) as a bar, oldest on the left.
export function DurationsView(props: { grid: Grid }) {
  const runs = [...props.grid.runs].reverse().map((r) => ({
    ...r, secs: seconds(r.start, r.end ?? (r.start ? new Date().toISOString() : null)),
  }));
  const max = Math.max(1, ...runs.map((r) => r.secs ?? 0));
  if (runs.length === 0) return <p class="muted">No runs yet.</p>;
  return (
    <div class="durations" data-testid="durations">
      <p class="muted small">Run durations, the newest {runs.length} runs; the longest took {fmtDuration(max)}.</p>
      <div class="bars">
        {runs.map((r) => (
          <div key={r.run_id} class="col" title={`${r.run_id}: ${r.state}, ${fmtDuration(r.secs)}`}>
            <span class={`bar st-${r.state}`} style={{ height: `${Math.max(2, ((r.secs ?? 0) / max) * 100)}%` }} />
          </div>
        ))}
      </div>
    </div>
  );
}

// Days by their runs' outcome: red when any run of the day failed, green when all succeeded.
export function CalendarView(props: { dag: string }) {
  const runs = usePoll(() => api<{ runs: Run[] }>('GET', `/api/v1/runs?dag=${enc(props.dag)}&limit=1000`), [props.dag], 10000);
  if (runs.error) return <ErrorBanner error={runs.error} />;
  if (!runs.data) return <p class="muted">Loading…</p>;
  const byDay = new Map<string, Run[]>();
  for (const r of runs.data.runs) {
    const day = r.logical_date.slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), r]);
  }
  if (byDay.size === 0) return <p class="muted">No runs yet.</p>;
  const days = [...byDay.keys()].sort();
  // Whole weeks (Monday first) from the first day with a run to the last.
  const first = new Date(days[0] + 'T00:00:00Z');
  first.setUTCDate(first.getUTCDate() - ((first.getUTCDay() + 6) % 7));
  const last = new Date(days[days.length - 1] + 'T00:00:00Z');
  const weeks: string[][] = [];
  for (const d = new Date(first); d <= last; ) {
    const week: string[] = [];
    for (let i = 0; i < 7; i++, d.setUTCDate(d.getUTCDate() + 1)) week.push(d.toISOString().slice(0, 10));
    weeks.push(week);
  }
  const outcome = (day: string) => {
    const rs = byDay.get(day);
    if (!rs) return 'none';
    if (rs.some((r) => r.state === 'failed')) return 'failed';
    if (rs.some((r) => r.state === 'running' || r.state === 'queued')) return 'running';
    return 'success';
  };
  return (
    <div class="calendar" data-testid="calendar">
      <p class="muted small">Each day by its runs' logical date (UTC): red when one failed, green when all succeeded.</p>
      <div class="weeks">
        <div class="week labels">{['Mon', '', 'Wed', '', 'Fri', '', 'Sun'].map((l, i) => <span key={i}>{l}</span>)}</div>
        {weeks.map((w) => (
          <div class="week" key={w[0]}>
            {w.map((day) => {
              const rs = byDay.get(day) ?? [];
              return <span key={day} class={`sq st-${outcome(day)}`} data-day={day}
                title={`${day}: ${rs.length} run${rs.length === 1 ? '' : 's'}${rs.length ? ' (' + rs.map((r) => r.state).join(', ') + ')' : ''}`} />;
            })}
          </div>
        ))}
      </div>
    </div>
  );
}
