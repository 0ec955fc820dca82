// One task instance: its state and why it is not running yet, its attempts, the log of one
// attempt (followed live while it runs), and clear / mark / kill behind a confirmation.
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  api, canOperate, taskPath, type Attempt, type LogPart, type Session, type TaskInstance,
} from './api';
import { ConfirmDialog } from './dialog';
import { ErrorBanner, fmtDuration, fmtTime, Link, navigate, StateBadge, usePoll } from './util';

type Action = 'clear' | 'success' | 'failed' | 'kill';

// The log of one attempt: read whole when it has ended; otherwise followed through the
// Server-Sent Events stream, which sends it from the start and then as it is written.
function LogView(props: { dag: string; run: string; task: string; tryNumber: number }) {
  const [text, setText] = useState('');
  const [status, setStatus] = useState('loading');
  const [error, setError] = useState<string | null>(null);
  const pre = useRef<HTMLPreElement>(null);
  const follow = useRef(true);
  useEffect(() => {
    let alive = true;
    let source: EventSource | null = null;
    const pollLog = async (base: string) => {
      setStatus('polling');
      let offset = 0;
      let buf = '';
      while (alive) {
        try {
          const part = await api<LogPart>('GET', `${base}?try=${props.tryNumber}&offset=${offset}&length=1048576`);
          if (!alive) return;
          buf += part.content;
          offset = part.next_offset;
          setText(buf);
          if (part.complete && offset >= part.size) {
            setStatus('complete');
            return;
          }
          if (offset < part.size) continue;  // more is there already
        } catch (err) {
          if (alive) setError(err instanceof Error ? err.message : String(err));
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
    };
    setText('');
    setError(null);
    setStatus('loading');
    const base = `${taskPath(props.dag, props.run, props.task)}/log`;
    (async () => {
      try {
        const part = await api<LogPart>('GET', `${base}?try=${props.tryNumber}&length=1048576`);
        if (!alive) return;
        if (part.complete && part.next_offset >= part.size) {
          setText(part.content);
          setStatus('complete');
          return;
        }
        if (part.complete) {
          setText(part.content + `\n… ${part.size - part.next_offset} more bytes (use sluice tasks logs)`);
          setStatus('complete');
          return;
        }
        setStatus('live');
        let buf = '';
        source = new EventSource(`${base}/stream?try=${props.tryNumber}`);
        source.addEventListener('log', (e) => {
          buf += (e as MessageEvent).data + '\n';
          setText(buf);
        });
        source.addEventListener('note', (e) => {
          buf += `-- ${(e as MessageEvent).data}\n`;
          setText(buf);
        });
        source.addEventListener('end', () => {
          source?.close();
          setStatus('complete');
        });
        source.addEventListener('error', (e) => {
          // The server's `event: error` (with a message), a refusal (too many logs followed) or a
          // dropped connection. The browser would reconnect and replay from the start: read the
          // log by its byte offsets every 2 s instead, from the start.
          source?.close();
          const data = (e as MessageEvent).data;
          if (data) setError(String(data));
          if (alive) void pollLog(base);
        });
      } catch (e) {
        if (alive) {
          setStatus('error');
          setError(e instanceof Error ? e.message : String(e));
        }
      }
    })();
    return () => {
      alive = false;
      source?.close();
    };
  }, [props.dag, props.run, props.task, props.tryNumber]);
  useEffect(() => {
    if (pre.current && follow.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);
  return (
    <div>
      <p class="muted small" data-testid="log-status">
        {status === 'live' ? '● following the log as it is written'
          : status === 'polling' ? '● following the log (read every 2 s)'
          : status === 'complete' ? 'attempt ended' : status}
      </p>
      <ErrorBanner error={error} />
      <pre class="log" ref={pre} data-testid="log"
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
        }}>{text}</pre>
    </div>
  );
}

export function TaskPage(props: { session: Session; dag: string; run: string; task: string; tryNumber: number | null }) {
  const path = taskPath(props.dag, props.run, props.task);
  const ti = usePoll(() => api<TaskInstance>('GET', path), [path]);
  const attempts = usePoll(() => api<{ attempts: Attempt[] }>('GET', `${path}/attempts`), [path]);
  const [action, setAction] = useState<Action | null>(null);
  const [downstream, setDownstream] = useState(false);
  const [upstream, setUpstream] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const t = ti.data;
  const list = attempts.data?.attempts ?? [];
  const shownTry = props.tryNumber ?? (list.length ? list[list.length - 1].try : null);
  const allowed = canOperate(props.session.role);
  const notAllowed = allowed ? undefined : `needs the operator role (you are ${props.session.role})`;
  const here = `/dags/${encodeURIComponent(props.dag)}/runs/${encodeURIComponent(props.run)}/tasks/${encodeURIComponent(props.task)}`;
  const titles: Record<Action, string> = {
    clear: `Clear ${props.task}?`,
    success: `Mark ${props.task} success?`,
    failed: `Mark ${props.task} failed?`,
    kill: `Kill the running attempt of ${props.task}?`,
  };
  const run = async (a: Action) => {
    type Answer = { message?: string } | null;
    let res: Answer;
    if (a === 'clear') res = await api<Answer>('POST', `${path}/clear`, { downstream, upstream });
    else if (a === 'kill') res = await api<Answer>('POST', `${path}/kill`);
    else res = await api<Answer>('POST', `${path}/mark`, { state: a });
    // The API says what it did ("cleared 3 task instances ..."); a fallback if it says nothing.
    setMessage(res?.message || (a === 'clear' ? `Cleared ${props.task}.` : a === 'kill' ? `Killed ${props.task}.` : `Marked ${props.task} ${a}.`));
    ti.reload();
    attempts.reload();
  };
  return (
    <main>
      <p class="crumbs">
        <Link href="/">DAGs</Link> / <Link href={`/dags/${encodeURIComponent(props.dag)}`}>{props.dag}</Link> / {props.run} / {props.task}
      </p>
      <ErrorBanner error={ti.error} />
      {t && (
        <section class="ti">
          <h2>{props.task} <StateBadge state={t.state} /></h2>
          <dl class="facts">
            <dt>Tries</dt><dd>{t.tries}</dd>
            <dt>Start</dt><dd>{fmtTime(t.start)}</dd>
            <dt>End</dt><dd>{fmtTime(t.end)}</dd>
            <dt>Duration</dt><dd>{fmtDuration(t.duration)}</dd>
            {t.next_try_at && <><dt>Next try</dt><dd>{fmtTime(t.next_try_at)}</dd></>}
            {t.pokes > 0 && <><dt>Pokes</dt><dd>{t.pokes} {t.last_poke && <span class="muted">({t.last_poke})</span>}</dd></>}
          </dl>
          {(t.summary || t.blocked_by.length > 0) && (
            <div class="why" data-testid="why">
              <h3>Why it is not running yet</h3>
              {t.summary && <p>{t.summary}</p>}
              <ul>{t.blocked_by.map((b, i) => <li key={i}><b>{b.rule}</b>: {b.detail}</li>)}</ul>
            </div>
          )}
          <div class="actions">
            <button disabled={!allowed} title={notAllowed} onClick={() => setAction('clear')}>Clear</button>
            <button disabled={!allowed} title={notAllowed} onClick={() => setAction('success')}>Mark success</button>
            <button disabled={!allowed} title={notAllowed} onClick={() => setAction('failed')}>Mark failed</button>
            {/* Enabled whatever the state shows: it may be 2 s old, and the server says why not. */}
            <button class="danger" disabled={!allowed} title={notAllowed ?? 'stop its running attempt'}
              onClick={() => setAction('kill')}>Kill</button>
            {!allowed && <span class="muted small">Your role ({props.session.role}) may only look.</span>}
          </div>
          {message && <div class="notice" role="status">{message}</div>}
        </section>
      )}
      <section>
        <h3>Attempts</h3>
        <ErrorBanner error={attempts.error} />
        {list.length === 0 ? <p class="muted">No attempt yet.</p> : (
          <table class="attempts">
            <thead><tr><th>Try</th><th>State</th><th>Start</th><th>Duration</th><th>Exit</th><th>Host</th><th>Note</th></tr></thead>
            <tbody>
              {list.map((a) => (
                <tr key={a.try} class={a.try === shownTry ? 'selected' : ''}>
                  <td>{a.try}</td>
                  <td><StateBadge state={a.state} /></td>
                  <td>{fmtTime(a.start)}</td>
                  <td>{fmtDuration(a.duration)}</td>
                  <td>{a.timed_out ? 'timed out' : a.signal ? `signal ${a.signal}` : a.exit_code ?? ''}</td>
                  <td>{a.host}</td>
                  <td>{[a.reason, a.log_note].filter(Boolean).join(' · ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {shownTry !== null && (
        <section>
          <div class="toolbar">
            <h3>Log</h3>
            <span class="try-switch" role="group" aria-label="attempt">
              {list.map((a) => (
                <button key={a.try} class={a.try === shownTry ? 'active' : ''}
                  onClick={() => navigate(`${here}?try=${a.try}`, true)}>try {a.try}</button>
              ))}
            </span>
          </div>
          <LogView dag={props.dag} run={props.run} task={props.task} tryNumber={shownTry} />
        </section>
      )}
      {action && (
        <ConfirmDialog title={titles[action]} confirmLabel={action === 'clear' ? 'Clear' : action === 'kill' ? 'Kill' : 'Mark'}
          danger={action !== 'clear'} onClose={() => setAction(null)} onConfirm={() => run(action)}>
          {action === 'clear' && (
            <label class="check">
              <input type="checkbox" name="downstream" checked={downstream}
                onChange={(e) => setDownstream(e.currentTarget.checked)} />
              also clear its downstream tasks
            </label>
          )}
          {action === 'clear' && (
            <label class="check">
              <input type="checkbox" name="upstream" checked={upstream}
                onChange={(e) => setUpstream(e.currentTarget.checked)} />
              also clear its upstream tasks
            </label>
          )}
          {action === 'kill' && <p>Its process is stopped; the attempt fails (and may be retried).</p>}
          {(action === 'success' || action === 'failed') && <p>Its state becomes {action}; downstream tasks react as to a real {action}.</p>}
        </ConfirmDialog>
      )}
    </main>
  );
}
