// The browser tests' world: a fresh SLUICE_HOME and DAGs folder, users made with the real CLI, a
// real `sluice standalone` on a free port, and Debian's chromium driven by playwright-core.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
export const SLUICE = process.env.SLUICE_BIN ?? join(ROOT, 'build/sluice');
export const SCREENSHOTS = process.env.SLUICE_SCREENSHOTS ?? join(dirname(SLUICE), 'browser-screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// playwright-core is web/'s dev dependency (npm ci in web/), not a package of its own here.
function playwright() {
  const require = createRequire(join(ROOT, 'web/package.json'));
  try {
    return require('playwright-core');
  } catch {
    throw new Error('playwright-core is missing: run `npm ci` in web/ (./dev build does)');
  }
}

export class World {
  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'sluice-browser-'));
    this.home = join(this.root, 'home');
    this.dags = join(this.root, 'dags');
    mkdirSync(this.home);
    mkdirSync(this.dags);
    this.env = { ...process.env, SLUICE_HOME: this.home, SLUICE_DAGS: this.dags, SLUICE_PARALLELISM: '4' };
    this.output = '';
  }

  writeDag(name, text) {
    writeFileSync(join(this.dags, name), text);
  }

  // `sluice users create NAME --role ROLE`, the password on stdin.
  createUser(name, role, password) {
    const r = spawnSync(SLUICE, ['users', 'create', name, '--role', role], {
      env: this.env, input: password + '\n', encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`users create ${name}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  }

  // Starts `sluice standalone --listen 127.0.0.1:0` and resolves with the URL it prints.
  start() {
    if (!existsSync(SLUICE)) throw new Error(`no sluice binary at ${SLUICE}: build it first`);
    this.proc = spawn(SLUICE, ['standalone', '--listen', '127.0.0.1:0'], { env: this.env });
    return new Promise((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`sluice standalone printed no URL in 30 s:\n${this.output}`)), 30000);
      const onData = (chunk) => {
        this.output += chunk.toString();
        const m = this.output.match(/https?:\/\/[0-9.:[\]a-z]+:\d+/);
        if (m && !this.url) {
          this.url = m[0];
          clearTimeout(timer);
          resolveUrl(this.url);
        }
      };
      this.proc.stdout.on('data', onData);
      this.proc.stderr.on('data', onData);
      this.proc.on('exit', (code) => {
        clearTimeout(timer);
        if (!this.url) reject(new Error(`sluice standalone exited ${code}:\n${this.output}`));
      });
    });
  }

  async launchBrowser() {
    if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: ./dev installs Debian's chromium`);
    this.browser = await playwright().chromium.launch({ executablePath: CHROMIUM, headless: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    return this.browser;
  }

  async stop() {
    await this.browser?.close().catch(() => {});
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(t);
    }
    // Tasks here sleep a few seconds at most: a supervisor left running ends on its own.
    if (!process.env.SLUICE_KEEP_BROWSER_HOME) rmSync(this.root, { recursive: true, force: true });
  }
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

// A new browser context (its own cookies) logged in through the form.
export async function logIn(world, user, password) {
  const context = await world.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  await page.goto(world.url + '/');
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('user').waitFor();
  return page;
}
