// The web UI's first page in headless chromium, for bench/api.py:
//   node bench/ui_first_page.mjs URL USER PASSWORD STATIC_URL REPEAT
// Each repetition opens a new browser context (no cache, no cookie) and times
//   static:     navigation to STATIC_URL -> its 'Log in' button visible (the baseline: a static
//               page from python3 -m http.server);
//   login_page: navigation to URL/ -> the UI's 'Log in' button visible;
//   dag_list:   the login form submitted -> the DAG list's first rows visible.
// Prints one JSON line: {"static": [ms...], "login_page": [...], "dag_list": [...],
// "dags_request_start": [...], "dags_response_end": [...] (the list's GET, from the click), "rows": N}.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// playwright-core is web/'s dev dependency, as for tests/browser/harness.mjs; WEB_DIR may
// name another web/ folder whose node_modules has it.
const webDir = process.env.WEB_DIR ?? resolve(here, '../web');
const { chromium } = createRequire(join(webDir, 'package.json'))('playwright-core');

const [url, user, password, staticUrl, repeatArg] = process.argv.slice(2);
const repeat = Number(repeatArg ?? 5);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true });
const out = { static: [], login_page: [], dag_list: [], dags_request_start: [], dags_response_end: [], rows: 0 };
try {
  // One untimed round first: chromium's first page of a session pays for starting its
  // renderer and network processes, which neither the baseline nor the UI should carry.
  for (let i = -1; i < repeat; i++) {
    const timed = i >= 0;
    // Baseline first, then the UI, in turn, so both see the same machine state.
    {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const t0 = performance.now();
      await page.goto(staticUrl);
      await page.getByRole('button', { name: 'Log in' }).waitFor({ state: 'visible' });
      if (timed) out.static.push(performance.now() - t0);
      await context.close();
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(30000);
    const t0 = performance.now();
    await page.goto(url + '/');
    const button = page.getByRole('button', { name: 'Log in' });
    await button.waitFor({ state: 'visible' });
    if (timed) out.login_page.push(performance.now() - t0);
    await page.getByLabel('User').fill(user);
    await page.getByLabel('Password').fill(password);
    const clickedAt = await page.evaluate(() => performance.now());
    const t1 = performance.now();
    await button.click();
    await page.locator('table.dags tbody tr').first().waitFor({ state: 'visible' });
    if (timed) out.dag_list.push(performance.now() - t1);
    // Where that time went: when the DAG list's response had arrived (the page's own
    // resource timing), the rest is the browser parsing and drawing the rows.
    const fetched = await page.evaluate((since) => {
      const e = performance.getEntriesByType('resource').find((r) => r.name.includes('/api/v1/dags?'));
      return e ? { start: e.startTime - since, end: e.responseEnd - since } : null;
    }, clickedAt);
    if (timed && fetched) {
      out.dags_request_start.push(fetched.start);
      out.dags_response_end.push(fetched.end);
    }
    out.rows = await page.locator('table.dags tbody tr').count();
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
