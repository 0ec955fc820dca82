// Small pieces every page uses: the client-side router, polling while the tab is visible,
// times and durations as a person reads them, and the coloured square of a state.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

// ---- routing: real paths (/dags/X), which the server answers with index.html ----
type Listener = () => void;
const listeners = new Set<Listener>();
export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  listeners.forEach((l) => l());
}
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function useLocation(): URL {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  return new URL(window.location.href);
}

// A link that changes the page without reloading it (a middle click still opens a tab).
export function Link(props: { href: string; class?: string; title?: string; children?: unknown }) {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} class={props.class} title={props.title} onClick={onClick}>
      {props.children as JSX.Element}
    </a>
  );
}

// ---- live updates: load now, then every `ms` while the page is visible ----
export interface Polled<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], ms = 2000): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    let inFlight = false;
    const tick = async () => {
      if (!alive || inFlight) return;
      if (document.visibilityState !== 'visible') return;
      inFlight = true;
      try {
        const d = await loadRef.current();
        if (alive) {
          setData(d);
          setError(null);
        }
      } catch (e) {
        if (alive) setError(e instanceof Error ? e.message : String(e));
      } finally {
        inFlight = false;
      }
    };
    void tick();
    timer = window.setInterval(tick, ms);
    const onVisible = () => void tick();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      alive = false;
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce, ms]);
  return { data, error, reload: () => setNonce((n) => n + 1) };
}

// ---- formatting ----
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC');
}
export function fmtDuration(s: number | null | undefined): string {
  if (s === null || s === undefined) return '';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function StateSquare(props: { state: string | null; title?: string; size?: 'small' }) {
  const state = props.state ?? 'none';
  return (
    <span
      class={`sq st-${state}${props.size ? ' sq-' + props.size : ''}`}
      title={props.title ?? state}
      data-state={state}
    />
  );
}

export function StateBadge(props: { state: string }) {
  return (
    <span class={`badge st-${props.state}`} data-state={props.state}>
      {props.state}
    </span>
  );
}

export function ErrorBanner(props: { error: string | null; onClose?: () => void }) {
  if (!props.error) return null;
  return (
    <div class="error" role="alert">
      {props.error}
      {props.onClose && (
        <button class="link" onClick={props.onClose} aria-label="dismiss">
          ×
        </button>
      )}
    </div>
  );
}
