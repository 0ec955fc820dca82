// Every DAG, its newest runs as coloured squares, when it runs next, and the files that do not
// parse. Polled every 2 s; the search box filters on the server (`search`).
import { Component } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, canOperate, dagPath, type DagList, type DagSummary, type Session } from './api';
import { ErrorBanner, fmtTime, Link, navigate, StateSquare, usePoll } from './util';

// Every page of DAGs (1,000 a request), so the list is whole however many there are.
async function loadAll(search: string): Promise<DagList> {
  const all: DagList = { dags: [], broken_files: [], next_cursor: null };
  let cursor: string | null = null;
  for (;;) {
    const q = new URLSearchParams({ limit: '1000' });
    if (search) q.set('search', search);
    if (cursor) q.set('cursor', cursor);
    const page: DagList = await api<DagList>('GET', `/api/v1/dags?${q}`);
    all.dags.push(...page.dags);
    if (all.broken_files.length === 0) all.broken_files = page.broken_files;
    if (!page.next_cursor) return all;
    cursor = page.next_cursor;
  }
}

function PauseToggle(props: { dag: string; paused: boolean; role: Session['role']; onDone: () => void; onError: (m: string) => void }) {
  const allowed = canOperate(props.role);
  const toggle = async () => {
    try {
      await api('POST', `${dagPath(props.dag)}/${props.paused ? 'unpause' : 'pause'}`);
      props.onDone();
    } catch (e) {
      props.onError(`${props.dag}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return (
    <label class="switch" title={allowed ? (props.paused ? 'paused: click to unpause' : 'active: click to pause')
      : 'pausing needs the operator role'}>
      <input type="checkbox" checked={!props.paused} disabled={!allowed} onChange={toggle}
        aria-label={`${props.dag} active`} />
      <span class="slider" />
    </label>
  );
}

interface RowProps {
  d: DagSummary;
  sig: string; // the DAG's JSON: a row re-renders only when it changed
  role: Session['role'];
  reload: () => void;
  onError: (m: string) => void;
}

// Polling a list of 1,000 DAGs every 2 s must not redraw 1,000 rows: only those that changed.
class Row extends Component<RowProps> {
  shouldComponentUpdate(next: RowProps): boolean {
    return next.sig !== this.props.sig || next.role !== this.props.role;
  }
  render() {
    return <RowView {...this.props} />;
  }
}

function RowView(props: RowProps) {
  const d = props.d;
  // Oldest on the left, newest on the right, as in the grid.
  const runs = [...d.recent_runs].reverse();
  return (
    <tr data-dag={d.dag} class={d.paused ? 'paused' : ''}>
      <td><PauseToggle dag={d.dag} paused={d.paused} role={props.role} onDone={props.reload} onError={props.onError} /></td>
      <td>
        <Link href={`/dags/${encodeURIComponent(d.dag)}`} class="dag-id">{d.dag}</Link>
        {d.description && <div class="muted small">{d.description}</div>}
        {d.errors.length > 0 && <div class="error small">{d.errors.join('\n')}</div>}
      </td>
      <td>{d.owner}</td>
      <td>{d.tags.map((t) => <span class="tag" key={t}>{t}</span>)}</td>
      <td title={d.schedule ?? ''}>{d.schedule_text ?? d.schedule ?? <span class="muted">manual only</span>}</td>
      <td>{d.paused ? <span class="muted">paused</span> : fmtTime(d.next_due)}</td>
      <td class="runs">
        {runs.map((r) => (
          <a key={r.run_id} href={`/dags/${encodeURIComponent(d.dag)}`} onClick={(e) => { e.preventDefault(); navigate(`/dags/${encodeURIComponent(d.dag)}`); }}>
            <StateSquare state={r.state} title={`${r.run_id}: ${r.state}`} />
          </a>
        ))}
      </td>
    </tr>
  );
}

export function DagListPage(props: { session: Session; search: string }) {
  const [search, setSearch] = useState(props.search);
  const [actionError, setActionError] = useState<string | null>(null);
  // The URL follows the box a moment after typing stops, so a reload or a link keeps it.
  useEffect(() => {
    const t = window.setTimeout(() => {
      if (search !== props.search) navigate(search ? `/?search=${encodeURIComponent(search)}` : '/', true);
    }, 250);
    return () => window.clearTimeout(t);
  }, [search]);
  const list = usePoll(() => loadAll(props.search), [props.search]);
  const data = list.data;
  return (
    <main>
      <div class="toolbar">
        <h2>DAGs</h2>
        <input type="search" class="search" placeholder="Search id, description, owner, tag"
          value={search} onInput={(e) => setSearch(e.currentTarget.value)} aria-label="search DAGs" />
        {data && <span class="muted">{data.dags.length} DAG{data.dags.length === 1 ? '' : 's'}</span>}
      </div>
      <ErrorBanner error={list.error} />
      <ErrorBanner error={actionError} onClose={() => setActionError(null)} />
      {data && data.broken_files.length > 0 && (
        <section class="broken" data-testid="broken-files">
          <h3>Files that do not load</h3>
          {data.broken_files.map((f) => (
            <div key={f.file}>
              <b>{f.file}</b>
              <pre>{f.errors.join('\n')}</pre>
            </div>
          ))}
        </section>
      )}
      {data && (
        <table class="dags">
          <thead>
            <tr><th>Active</th><th>DAG</th><th>Owner</th><th>Tags</th><th>Schedule</th><th>Next run</th><th>Recent runs</th></tr>
          </thead>
          <tbody>
            {data.dags.map((d) => (
              <Row key={d.dag} d={d} sig={JSON.stringify(d)} role={props.session.role} reload={list.reload} onError={setActionError} />
            ))}
          </tbody>
        </table>
      )}
      {data && data.dags.length === 0 && <p class="muted">No DAG matches.</p>}
      {!data && !list.error && <p class="muted">Loading…</p>}
    </main>
  );
}
