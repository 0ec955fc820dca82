// The web UI in a real browser against the real server: log in, search, trigger and watch the
// grid turn green, read a log, clear a task and watch it run again, kill one, and a viewer's
// limits. Screenshots go to build/browser-screenshots/. Run: node tests/browser/ui_test.mjs
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { logIn, screenshot, World } from './harness.mjs';

const world = new World();
const OPERATOR = ['olivia', 'operator-pass-1'];
const VIEWER = ['victor', 'viewer-pass-1'];

before(async () => {
  world.writeDag('browser_demo.yaml', `dag: browser_demo
description: Extract, transform and load one region
owner: web-team
tags: [ui, demo]
params: {region: us}
tasks:
  extract: {run: "echo extracting {{ params.region }}; sleep 1"}
  transform: {needs: [extract], run: "echo transforming; sleep 1"}
  load: {needs: [transform], run: "echo loaded {{ params.region }}"}
`);
  world.writeDag('slow_report.yaml', `dag: slow_report
description: A report that takes its time
owner: analytics
tags: [reports]
tasks:
  crunch: {run: "echo crunching; sleep 120"}
`);
  world.writeDag('broken.yaml', `dag: broken
tasks:
  a: {run: "echo a", needs: [nowhere]}
`);
  world.createUser(OPERATOR[0], 'operator', OPERATOR[1]);
  world.createUser(VIEWER[0], 'viewer', VIEWER[1]);
  await world.start();
  await world.launchBrowser();
});

after(async () => {
  await world.stop();
});

let page; // the operator's

// How fast the first page shows is measured by bench/ui_first_page, not asserted here.
test('the first page, and a client-side route, answer with the app and its login', async () => {
  const context = await world.browser.newContext();
  const p = await context.newPage();
  await p.goto(world.url + '/');
  await p.getByRole('button', { name: 'Log in' }).waitFor();
  // A client-side route is answered with the app too, which then asks to log in.
  await p.goto(world.url + '/dags/browser_demo');
  await p.getByRole('button', { name: 'Log in' }).waitFor();
  await context.close();
});

test('an operator logs in and sees who and which role', async () => {
  page = await logIn(world, ...OPERATOR);
  assert.equal(await page.getByTestId('user').textContent(), 'olivia');
  assert.equal(await page.getByTestId('role').textContent(), 'operator');
  await page.locator('tr[data-dag="browser_demo"]').waitFor();
  await screenshot(page, '01-dag-list');
});

test('a wrong password is refused with the API message', async () => {
  const context = await world.browser.newContext();
  const p = await context.newPage();
  await p.goto(world.url + '/');
  await p.getByLabel('User').fill(OPERATOR[0]);
  await p.getByLabel('Password').fill('not-the-password');
  await p.getByRole('button', { name: 'Log in' }).click();
  const alert = p.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /./);
  await screenshot(p, '00-login-refused');
  await context.close();
});

test('the list shows broken files with FILE:LINE:COL and finds a DAG by search', async () => {
  const broken = page.getByTestId('broken-files');
  await broken.waitFor();
  assert.match(await broken.textContent(), /broken\.yaml:\d+:\d+/);
  await page.getByLabel('search DAGs').fill('extract, transform');
  await page.waitForURL(/\?search=extract/);
  await page.locator('tr[data-dag="slow_report"]').waitFor({ state: 'detached' });
  assert.deepEqual(await page.locator('tr[data-dag]').evaluateAll((rows) => rows.map((r) => r.dataset.dag)),
    ['browser_demo']);
  const row = page.locator('tr[data-dag="browser_demo"]');
  assert.match(await row.textContent(), /web-team/);
  assert.match(await row.textContent(), /manual only/);
  await screenshot(page, '02-search');
});

test('trigger with a param from the DAG page and watch the grid turn green', async () => {
  await page.getByRole('link', { name: 'browser_demo' }).click();
  await page.getByRole('button', { name: 'Trigger' }).click();
  const dialog = page.getByRole('form', { name: 'Trigger browser_demo?' });
  await dialog.getByLabel('region').fill('eu');
  await screenshot(page, '03-trigger-dialog');
  await dialog.getByRole('button', { name: 'Trigger' }).click();
  await page.getByRole('status').filter({ hasText: /Triggered manual__/ }).waitFor();
  // Every cell of the one run green: 3 tasks, each success.
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll('[data-testid=grid] tbody .sq')];
    return cells.length === 3 && cells.every((c) => c.getAttribute('data-state') === 'success');
  }, null, { timeout: 60000 });
  await screenshot(page, '04-grid-green');
});

test('the graph lays out the tasks and the source shows the file', async () => {
  await page.getByRole('link', { name: 'Graph' }).click();
  await page.locator('[data-testid=graph] g.node').first().waitFor();
  assert.equal(await page.locator('[data-testid=graph] g.node').count(), 3);
  assert.equal(await page.locator('[data-testid=graph] path.edge').count(), 2);
  await screenshot(page, '05-graph');
  await page.getByRole('link', { name: 'Source' }).click();
  const source = page.getByTestId('source');
  await source.waitFor();
  assert.match(await source.textContent(), /dag: browser_demo/);
  await page.getByRole('link', { name: 'Grid' }).click();
});

test('a grid cell opens the task instance and its log', async () => {
  await page.locator('[data-testid=grid] tr[data-task="extract"] a.cell').first().click();
  await page.waitForURL(/\/tasks\/extract/);
  const log = page.getByTestId('log');
  await page.waitForFunction(() => /extracting eu/.test(document.querySelector('[data-testid=log]')?.textContent ?? ''));
  assert.match(await log.textContent(), /extracting eu/);
  await screenshot(page, '06-task-log');
});

test('clear with downstream runs the task again: a second try', async () => {
  await page.getByRole('button', { name: 'Clear' }).click();
  const dialog = page.getByRole('form', { name: 'Clear extract?' });
  await dialog.getByLabel('also clear its downstream tasks').check();
  await dialog.getByRole('button', { name: 'Clear' }).click();
  await page.getByRole('status').waitFor();
  await page.getByRole('button', { name: 'try 2' }).waitFor({ timeout: 60000 });
  await page.waitForFunction(() => document.querySelector('.ti .badge')?.getAttribute('data-state') === 'success',
    null, { timeout: 60000 });
  await page.getByRole('button', { name: 'try 1' }).click();
  await page.waitForURL(/try=1/);
  await page.waitForFunction(() => /extracting eu/.test(document.querySelector('[data-testid=log]')?.textContent ?? ''));
  await screenshot(page, '07-cleared-try-2');
});

test('a running task: why, its live log, and kill', async () => {
  await page.goto(world.url + '/dags/slow_report');
  await page.getByRole('button', { name: 'Trigger' }).click();
  await page.getByRole('form', { name: 'Trigger slow_report?' }).getByRole('button', { name: 'Trigger' }).click();
  await page.locator('[data-testid=grid] tr[data-task="crunch"] a.cell').first().click();
  await page.waitForFunction(() => document.querySelector('.ti .badge')?.getAttribute('data-state') === 'running',
    null, { timeout: 60000 });
  await page.waitForFunction(() => /crunching/.test(document.querySelector('[data-testid=log]')?.textContent ?? ''));
  assert.match(await page.getByTestId('log-status').textContent(), /following/);
  await screenshot(page, '08-running-live-log');
  await page.getByRole('button', { name: 'Kill' }).click();
  await page.getByRole('form', { name: /Kill the running attempt of crunch/ }).getByRole('button', { name: 'Kill' }).click();
  await page.waitForFunction(() => ['failed', 'up_for_retry'].includes(document.querySelector('.ti .badge')?.getAttribute('data-state') ?? ''),
    null, { timeout: 60000 });
  await screenshot(page, '09-killed');
});

test('a refused action shows the API message in its dialog', async () => {
  // crunch was killed: killing it again is refused by the server (409), and the dialog says why.
  await page.getByRole('button', { name: 'Kill' }).click();
  const dialog = page.getByRole('form', { name: /Kill the running attempt of crunch/ });
  await dialog.getByRole('button', { name: 'Kill' }).click();
  const alert = dialog.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /task 'crunch' of run '.*' is not running/);
  await screenshot(page, '10-refused');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});

test('cancel a running run from its panel, then clear only its failed task', async () => {
  await page.goto(world.url + '/dags/slow_report');
  await page.getByRole('button', { name: 'Trigger' }).click();
  await page.getByRole('form', { name: 'Trigger slow_report?' }).getByRole('button', { name: 'Trigger' }).click();
  const triggered = await page.getByRole('status').filter({ hasText: /Triggered manual__/ }).textContent();
  const runId = triggered.match(/Triggered (\S+)\./)[1];
  await page.locator(`[data-testid=grid] th.run-head[data-run="${runId}"] a`).click();
  const panel = page.getByTestId('run-panel');
  await page.waitForFunction(() => document.querySelector('[data-testid=gantt] .bar')?.classList.contains('st-running'),
    null, { timeout: 60000 });
  await panel.getByRole('button', { name: 'Cancel run' }).click();
  const cancel = page.getByRole('form', { name: `Cancel run ${runId}?` });
  await cancel.getByRole('button', { name: 'Cancel run' }).click();
  assert.match(await panel.getByRole('status').textContent(),
    new RegExp(`cancelled run '${runId}' of dag 'slow_report': 1 task\\(s\\) failed, 1 of them stopped while running`));
  await page.waitForFunction(() => document.querySelector('[data-testid=run-panel] h3 .badge')?.getAttribute('data-state') === 'failed',
    null, { timeout: 60000 });
  await screenshot(page, '11-run-cancelled');
  await panel.getByRole('button', { name: 'Clear run' }).click();
  const clear = page.getByRole('form', { name: `Clear run ${runId}?` });
  assert.equal(await clear.getByLabel('only its failed tasks (and those whose upstream failed)').isChecked(), true);
  await clear.getByRole('button', { name: 'Clear' }).click();
  await panel.getByRole('status').filter({ hasText: 'cleared 1 task(s): crunch' }).waitFor();
  // Runs again: stop it, so nothing is left running when the server stops.
  await page.waitForFunction(() => document.querySelector('[data-testid=run-panel] h3 .badge')?.getAttribute('data-state') === 'running',
    null, { timeout: 60000 });
  await panel.getByRole('button', { name: 'Cancel run' }).click();
  await page.getByRole('form', { name: `Cancel run ${runId}?` }).getByRole('button', { name: 'Cancel run' }).click();
  await panel.getByRole('status').filter({ hasText: /cancelled run/ }).waitFor();
});

test('a viewer sees every action disabled and is refused by the API', async () => {
  const vpage = await logIn(world, ...VIEWER);
  assert.equal(await vpage.getByTestId('role').textContent(), 'viewer');
  const toggle = vpage.getByLabel('browser_demo active');
  assert.equal(await toggle.isDisabled(), true);
  await vpage.getByRole('link', { name: 'browser_demo' }).click();
  assert.equal(await vpage.getByRole('button', { name: 'Trigger' }).isDisabled(), true);
  await vpage.locator('[data-testid=grid] tr[data-task="load"] a.cell').first().click();
  for (const name of ['Clear', 'Mark success', 'Mark failed', 'Kill']) {
    assert.equal(await vpage.getByRole('button', { name, exact: true }).isDisabled(), true, name);
  }
  assert.match(await vpage.locator('.ti .actions').textContent(), /Your role \(viewer\) may only look/);
  await screenshot(vpage, '12-viewer');
  await vpage.context().close();
});
