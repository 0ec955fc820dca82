// The JSON API of docs/api.md: one fetch wrapper that sends the session's CSRF token on every
// request that changes something and turns an error body into an ApiError with its message.

export type Role = 'viewer' | 'operator' | 'admin';
export interface Session {
  user: string;
  role: Role;
  csrf_token: string;
}

export interface RecentRun {
  run_id: string;
  state: string;
  logical_date: string;
}
export interface DagSummary {
  dag: string;
  file: string;
  description: string;
  owner: string;
  tags: string[];
  paused: boolean;
  schedule: string | null;
  schedule_text: string | null;
  timezone: string;
  next_due: string | null;
  errors: string[];
  recent_runs: RecentRun[];
}
export interface BrokenFile {
  file: string;
  errors: string[];
}
export interface DagList {
  dags: DagSummary[];
  broken_files: BrokenFile[];
  next_cursor: string | null;
}
export interface TaskNode {
  task: string;
  kind: string;
  upstream: string[];
  pool: string;
}
export interface DagDetail {
  dag: string;
  file: string;
  description: string;
  owner: string;
  tags: string[];
  paused: boolean;
  schedule: string | null;
  timezone: string;
  params: Record<string, string>;
  errors: string[];
  tasks: TaskNode[];
}
export interface GridCell {
  state: string;
  tries: number;
  duration: number | null;
}
export interface GridRun {
  run_id: string;
  state: string;
  logical_date: string;
  start: string | null;
  end: string | null;
  cells: (GridCell | null)[];
}
export interface Grid {
  dag: string;
  tasks: string[];
  runs: GridRun[];
}
export interface Run {
  dag: string;
  run_id: string;
  type: string;
  state: string;
  logical_date: string;
  start: string | null;
  end: string | null;
  duration: number | null;
  params: Record<string, string>;
}
export interface BlockedBy {
  rule: string;
  detail: string;
}
export interface TaskInstance {
  task: string;
  map_index: number | null;
  state: string;
  tries: number;
  start: string | null;
  end: string | null;
  duration: number | null;
  next_try_at: string | null;
  pokes: number;
  last_poke: string;
  summary: string;
  blocked_by: BlockedBy[];
}
export interface Attempt {
  try: number;
  state: string;
  start: string | null;
  end: string | null;
  duration: number | null;
  exit_code: number | null;
  signal: number | null;
  timed_out: boolean;
  host: string;
  reason: string;
  log_note: string;
}
export interface LogPart {
  try: number;
  offset: number;
  next_offset: number;
  size: number;
  complete: boolean;
  content: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onUnauthenticated: () => void = () => {};

export function setCsrfToken(token: string): void {
  csrfToken = token;
}
// Called when a request finds the session gone (expired, or logged out in another tab).
export function setOnUnauthenticated(f: () => void): void {
  onUnauthenticated = f;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', `the server cannot be reached (${String(e)})`);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    const code = err?.code ?? 'http_' + res.status;
    const message = err?.message ?? `${res.status} ${res.statusText}`;
    if (res.status === 401 && path !== '/api/v1/session') onUnauthenticated();
    throw new ApiError(res.status, code, message);
  }
  return json as T;
}

// Path pieces: ids may hold ':' or '+', which encodeURIComponent leaves readable enough.
export const enc = encodeURIComponent;
export function dagPath(dag: string): string {
  return `/api/v1/dags/${enc(dag)}`;
}
export function taskPath(dag: string, run: string, task: string): string {
  return `${dagPath(dag)}/runs/${enc(run)}/tasks/${enc(task)}`;
}

export function canOperate(role: Role): boolean {
  return role === 'operator' || role === 'admin';
}
