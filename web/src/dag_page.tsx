// One DAG: the grid of its newest runs x its tasks, the graph of its tasks, its source; trigger
// (with its params) and pause.
import type { graphlib } from '@dagrejs/dagre';
import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  api, canOperate, dagPath, type DagDetail, type Grid, type Run, type Session, type TaskNode,
} from './api';
import { ConfirmDialog } from './dialog';
import { CalendarView, DurationsView, RunPanel } from './run_views';
import { ErrorBanner, fmtDuration, fmtTime, Link, navigate, StateSquare, usePoll } from './util';

function taskHref(dag: string, run: string, task: string): string {
  return `/dags/${encodeURIComponent(dag)}/runs/${encodeURIComponent(run)}/tasks/${encodeURIComponent(task)}`;
}

function GridView(props: { dag: string; grid: Grid; selected: string | null }) {
  // Oldest run on the left, newest on the right.
  const runs = [...props.grid.runs].reverse();
  if (runs.length === 0) return <p class="muted">No runs yet.</p>;
  return (
    <div class="grid-wrap">
      <table class="grid" data-testid="grid">
        <thead>
          <tr>
            <th />
            {runs.map((r) => (
              <th key={r.run_id} class={r.run_id === props.selected ? 'run-head selected' : 'run-head'} data-run={r.run_id}>
                <Link href={`/dags/${encodeURIComponent(props.dag)}?run=${encodeURIComponent(r.run_id)}`}>
                  <StateSquare state={r.state} title={`${r.run_id}\n${r.state}\nlogical date ${fmtTime(r.logical_date)}\nclick for the run and its Gantt chart`} />
                </Link>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.grid.tasks.map((task, i) => (
            <tr key={task} data-task={task}>
              <th class="task-name">{task}</th>
              {runs.map((r) => {
                const c = r.cells[i];
                if (!c) return <td key={r.run_id} />;
                const title = `${task} in ${r.run_id}\n${c.state}, ${c.tries} tr${c.tries === 1 ? 'y' : 'ies'}` +
                  (c.duration !== null ? `, ${fmtDuration(c.duration)}` : '');
                return (
                  <td key={r.run_id} data-run={r.run_id}>
                    <Link href={taskHref(props.dag, r.run_id, task)} title={title} class="cell">
                      <StateSquare state={c.state} title={title} />
                    </Link>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type Dagre = typeof import('@dagrejs/dagre');
let dagreModule: Dagre | null = null;

// The tasks laid out by dagre, upstream on the left; each node coloured by the newest run.
// dagre is most of the bundle's weight: loaded when a graph is first shown, not with the list.
function GraphView(props: { dag: string; tasks: TaskNode[]; grid: Grid | null }) {
  const [dagre, setDagre] = useState<Dagre | null>(dagreModule);
  useEffect(() => {
    if (!dagre) {
      void import('@dagrejs/dagre').then((m) => {
        dagreModule = (m as unknown as { default?: Dagre }).default ?? m;
        setDagre(dagreModule);
      });
    }
  }, []);
  const layout = useMemo((): graphlib.Graph | null => {
    if (!dagre) return null;
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 48, marginx: 8, marginy: 8 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const t of props.tasks) g.setNode(t.task, { width: Math.max(90, t.task.length * 8 + 28), height: 34 });
    for (const t of props.tasks) for (const u of t.upstream) if (g.hasNode(u)) g.setEdge(u, t.task);
    dagre.layout(g);
    return g;
  }, [props.tasks, dagre]);
  if (!layout) return <p class="muted">Laying out…</p>;
  const newest = props.grid?.runs[0];
  const stateOf = (task: string) => {
    const i = props.grid?.tasks.indexOf(task) ?? -1;
    return (i >= 0 && newest?.cells[i]?.state) || 'none';
  };
  const graph = layout.graph();
  return (
    <div class="graph-wrap">
      {newest && <p class="muted small">Coloured by the newest run, {newest.run_id}.</p>}
      <svg width={graph.width ?? 0} height={graph.height ?? 0} data-testid="graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" fill="#888" />
          </marker>
        </defs>
        {layout.edges().map((e) => {
          const pts = layout.edge(e).points ?? [];
          const d = pts.map((p: { x: number; y: number }, i: number) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
          return <path key={`${e.v}->${e.w}`} d={d} class="edge" marker-end="url(#arrow)" />;
        })}
        {layout.nodes().map((id) => {
          const n = layout.node(id);
          const st = stateOf(id);
          const body = (
            <g class={`node st-${st}`} data-task={id} transform={`translate(${n.x - n.width / 2},${n.y - n.height / 2})`}>
              <rect width={n.width} height={n.height} rx="6" />
              <text x={n.width / 2} y={n.height / 2 + 4} text-anchor="middle">{id}</text>
              <title>{`${id}: ${st}`}</title>
            </g>
          );
          return newest ? (
            <a key={id} href={taskHref(props.dag, newest.run_id, id)}
              onClick={(e) => { e.preventDefault(); navigate(taskHref(props.dag, newest.run_id, id)); }}>{body}</a>
          ) : <g key={id}>{body}</g>;
        })}
      </svg>
    </div>
  );
}

function SourceView(props: { dag: string }) {
  const src = usePoll(() => api<{ file: string; source: string }>('GET', `${dagPath(props.dag)}/source`), [props.dag], 10000);
  if (src.error) return <ErrorBanner error={src.error} />;
  if (!src.data) return <p class="muted">Loading…</p>;
  return (
    <div>
      <p class="muted small">{src.data.file}</p>
      <pre class="source" data-testid="source">{src.data.source}</pre>
    </div>
  );
}

function TriggerDialog(props: { dag: DagDetail; onClose: () => void; onTriggered: (r: Run) => void }) {
  const [values, setValues] = useState<Record<string, string>>({ ...props.dag.params });
  const names = Object.keys(props.dag.params);
  return (
    <ConfirmDialog title={`Trigger ${props.dag.dag}?`} confirmLabel="Trigger" onClose={props.onClose}
      onConfirm={async () => {
        props.onTriggered(await api<Run>('POST', `${dagPath(props.dag.dag)}/runs`, { params: values }));
      }}>
      <p>This starts a manual run now{names.length ? ' with these params:' : '.'}</p>
      {names.map((n) => (
        <label key={n} class="param">
          {n}
          <input name={n} value={values[n]} onInput={(e) => setValues({ ...values, [n]: e.currentTarget.value })} />
        </label>
      ))}
    </ConfirmDialog>
  );
}

export function DagPage(props: { session: Session; dag: string; tab: string; run: string | null }) {
  const detail = usePoll(() => api<DagDetail>('GET', dagPath(props.dag)), [props.dag], 5000);
  const grid = usePoll(() => api<Grid>('GET', `${dagPath(props.dag)}/grid?limit=25`), [props.dag]);
  const [triggering, setTriggering] = useState(false);
  const [pausing, setPausing] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const d = detail.data;
  const allowed = canOperate(props.session.role);
  const base = `/dags/${encodeURIComponent(props.dag)}`;
  const tab = (name: string, label: string) => (
    <Link href={name === 'grid' ? base : `${base}?tab=${name}`} class={props.tab === name ? 'tab active' : 'tab'}>{label}</Link>
  );
  const notAllowed = allowed ? undefined : `needs the operator role (you are ${props.session.role})`;
  return (
    <main>
      <p class="crumbs"><Link href="/">DAGs</Link> / {props.dag}</p>
      <ErrorBanner error={detail.error} />
      {d && (
        <div class="dag-head">
          <div>
            <h2>{d.dag} {d.paused && <span class="badge paused-badge">paused</span>}</h2>
            {d.description && <p>{d.description}</p>}
            <p class="muted small">
              {d.owner && <>owner {d.owner} · </>}
              {d.schedule ? <>schedule {d.schedule} ({d.timezone})</> : 'manual only'}
              {d.tags.map((t) => <span class="tag" key={t}>{t}</span>)}
            </p>
            {d.errors.length > 0 && <pre class="error">{d.errors.join('\n')}</pre>}
          </div>
          <div class="actions">
            <button disabled={!allowed} title={notAllowed} onClick={() => setPausing(true)}>
              {d.paused ? 'Unpause' : 'Pause'}
            </button>
            <button class="primary" disabled={!allowed} title={notAllowed} onClick={() => setTriggering(true)}>
              Trigger
            </button>
          </div>
        </div>
      )}
      {message && <div class="notice" role="status">{message}</div>}
      <nav class="tabs">
        {tab('grid', 'Grid')}{tab('graph', 'Graph')}{tab('durations', 'Durations')}{tab('calendar', 'Calendar')}{tab('source', 'Source')}
      </nav>
      {props.tab === 'grid' && (grid.data ? <GridView dag={props.dag} grid={grid.data} selected={props.run} /> : <ErrorBanner error={grid.error} />)}
      {props.tab === 'grid' && props.run && (
        <RunPanel session={props.session} dag={props.dag} run={props.run} onChanged={grid.reload} taskHref={(task) => taskHref(props.dag, props.run!, task)} />
      )}
      {props.tab === 'durations' && grid.data && <DurationsView grid={grid.data} />}
      {props.tab === 'calendar' && <CalendarView dag={props.dag} />}
      {props.tab === 'graph' && d && <GraphView dag={props.dag} tasks={d.tasks} grid={grid.data} />}
      {props.tab === 'source' && <SourceView dag={props.dag} />}
      {triggering && d && (
        <TriggerDialog dag={d} onClose={() => setTriggering(false)}
          onTriggered={(r) => { setMessage(`Triggered ${r.run_id}.`); grid.reload(); }} />
      )}
      {pausing && d && (
        <ConfirmDialog title={`${d.paused ? 'Unpause' : 'Pause'} ${d.dag}?`} confirmLabel={d.paused ? 'Unpause' : 'Pause'}
          onClose={() => setPausing(false)}
          onConfirm={async () => {
            await api('POST', `${dagPath(d.dag)}/${d.paused ? 'unpause' : 'pause'}`);
            detail.reload();
          }}>
          <p>{d.paused ? 'The scheduler will start its due runs again.' : 'The scheduler will start no new scheduled run until it is unpaused.'}</p>
        </ConfirmDialog>
      )}
    </main>
  );
}
