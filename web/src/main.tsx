// The web UI: the session (log in, log out, who and which role), then one page per route.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, setCsrfToken, setOnUnauthenticated, type Session } from './api';
import { DagListPage } from './dag_list';
import { DagPage } from './dag_page';
import { TaskPage } from './task_page';
import { Link, useLocation } from './util';
import './style.css';

function Login(props: { onLogin: (s: Session) => void; notice: string | null }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onLogin(await api<Session>('POST', '/api/v1/session', { user, password }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>Sluice</h1>
      {props.notice && <p class="muted">{props.notice}</p>}
      <label>
        User
        <input name="user" autoComplete="username" value={user} required
          onInput={(e) => setUser(e.currentTarget.value)} />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" value={password}
          required onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      {error && <div class="error" role="alert">{error}</div>}
      <button type="submit" class="primary" disabled={busy}>Log in</button>
    </form>
  );
}

function Routes(props: { session: Session }) {
  const loc = useLocation();
  const parts = loc.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'dags' && parts.length === 2) {
    return <DagPage key={parts[1]} session={props.session} dag={parts[1]} tab={loc.searchParams.get('tab') ?? 'grid'}
      run={loc.searchParams.get('run')} />;
  }
  if (parts[0] === 'dags' && parts.length === 6 && parts[2] === 'runs' && parts[4] === 'tasks') {
    const t = loc.searchParams.get('try');
    return <TaskPage key={parts.slice(1).join('/')} session={props.session} dag={parts[1]} run={parts[3]} task={parts[5]}
      tryNumber={t ? Number(t) : null} />;
  }
  if (parts.length === 0) return <DagListPage session={props.session} search={loc.searchParams.get('search') ?? ''} />;
  return (
    <main>
      <p class="error">No page at {loc.pathname}. <Link href="/">All DAGs</Link></p>
    </main>
  );
}

function App() {
  // undefined: not known yet; null: logged out.
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    setOnUnauthenticated(() => {
      setSession(null);
      setNotice('Your session has ended; log in again.');
    });
    api<Session>('GET', '/api/v1/session')
      .then(login)
      .catch((e) => {
        setSession(null);
        if (!(e instanceof ApiError) || e.status !== 401) setNotice(e.message);
      });
  }, []);
  const login = (s: Session) => {
    setCsrfToken(s.csrf_token);
    setNotice(null);
    setSession(s);
  };
  const logout = async () => {
    try {
      await api('DELETE', '/api/v1/session');
    } catch {
      // Gone already is as good as logged out.
    }
    setCsrfToken('');
    setSession(null);
  };
  if (session === undefined) return <p class="muted pad">Loading…</p>;
  if (session === null) return <Login onLogin={login} notice={notice} />;
  return (
    <>
      <header>
        <Link href="/" class="brand">Sluice</Link>
        <Link href="/">DAGs</Link>
        <span class="spacer" />
        <span class="who">
          <span data-testid="user">{session.user}</span>{' '}
          <span class="role" data-testid="role">{session.role}</span>
        </span>
        <button onClick={logout}>Log out</button>
      </header>
      <Routes session={session} />
    </>
  );
}

render(<App />, document.getElementById('app')!);
