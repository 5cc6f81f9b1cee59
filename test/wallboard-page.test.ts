import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isObjectType, parse, validate } from 'graphql';
import type { Browser, Page } from 'playwright-core';
import { request } from 'undici';
import { startSandbox, type Sandbox } from '../sandbox/server';
import { buildGatewaySchema } from '../src/build-schema';
import { deleteKeysWithPrefix } from '../src/store/redis';
import { liveStateOf } from '../src/subscriptions/live-state';
import { eventually } from './support/agent-events';
import { launchBrowser } from './support/browser';
import { testRedisUrl } from './support/redis';
import { startStack, type Stack } from './support/stack';
import { documents, STATS_AVAILABLE } from '../web/wallboard/src/queries';

/** Screenshots land here (git-ignored). */
const OUTPUT = join(__dirname, '..', 'test-output');

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

describe("the page's GraphQL documents", () => {
  test('are valid against the gateway schema (with the statistics fields too, once the schema has them)', async () => {
    const schema = await buildGatewaySchema();
    const errors = (stats: boolean) => Object.values(documents(stats)).flatMap((doc) => validate(schema, parse(doc)).map((e) => e.message));
    expect(errors(STATS_AVAILABLE)).toEqual([]);
    // The statistics documents parse; they are checked against the schema once it has GroupFigures.stats.
    for (const doc of Object.values(documents(true))) expect(() => parse(doc)).not.toThrow();
    const figures = schema.getType('GroupFigures');
    if (isObjectType(figures) && figures.getFields().stats) expect(errors(true)).toEqual([]);
  });
});

describe('GET / and GET /wallboard', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  test('/ is a small page pointing to the wallboard and the GraphQL endpoint', async () => {
    const home = await get(`${stack.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.body).toContain('href="/wallboard"');
    expect(home.body).toContain('href="/graphql"');
    const csp = String(home.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/=]+'/); // its one inline stylesheet, by hash
    expect(home.body).not.toMatch(/<script/);
    expect((await request(`${stack.url}/`, { method: 'POST' })).statusCode).toBe(405);
  });

  test('/wallboard and its assets: content types, caching, a strict Content-Security-Policy', async () => {
    const page = await get(`${stack.url}/wallboard`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const host = new URL(stack.url).host;
    expect(String(page.headers['content-security-policy']).split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src 'self' ws://${host} wss://${host}`,
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ]);
    // No inline script: every <script> has a src, and it is the bundle.
    expect(page.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const js = /<script type="module" src="(\/wallboard\/assets\/app-[A-Z0-9]+\.js)"/.exec(page.body)?.[1];
    const css = /<link rel="stylesheet" href="(\/wallboard\/assets\/app-[A-Z0-9]+\.css)"/.exec(page.body)?.[1];
    expect(js && css).toBeTruthy();

    const script = await get(`${stack.url}${js}`, { 'accept-encoding': 'gzip' });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.headers['content-encoding']).toBe('gzip');
    const style = await get(`${stack.url}${css}`);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(style.body).toContain('.agent-grid');

    // Revalidation of the page, and what is not there.
    expect((await get(`${stack.url}/wallboard`, { 'if-none-match': String(page.headers.etag) })).status).toBe(304);
    expect((await get(`${stack.url}/wallboard/`)).status).toBe(200);
    expect((await get(`${stack.url}/wallboard/assets/nothing.js`)).status).toBe(404);
    expect((await get(`${stack.url}/wallboard/../package.json`)).status).toBe(404);
    expect((await request(`${stack.url}/wallboard`, { method: 'POST' })).statusCode).toBe(405);
    // Other routes are untouched.
    expect((await get(`${stack.url}/healthz`)).status).toBe(200);
  });
});

describe('the wallboard page in Chromium', () => {
  let sandbox: Sandbox;
  let stack: Stack;
  let browser: Browser;
  const prefix = `test:${randomUUID()}:`;

  beforeAll(async () => {
    [sandbox, browser] = await Promise.all([startSandbox({ callbacks: { retryIntervalMs: 200 } }), launchBrowser()]);
    stack = await startStack({ sandbox, prefix });
    sandbox.callbacks.configure({ hookUrl: stack.hookUrl });
    await stack.api.post('/agents/config', { stepMs: 5 });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await sandbox?.close();
    await deleteKeysWithPrefix(testRedisUrl(), prefix).catch(() => undefined);
  });

  const as = async (agentNumber: string, mutation: string) => {
    const res = await stack.gql(`mutation { ${mutation} }`, {}, await stack.token(['agent'], agentNumber));
    expect(res.errors).toBeUndefined();
  };
  const agent = (page: Page, agentNumber: string, activity?: string) =>
    page.locator(`li.agent[data-agent="${agentNumber}"]${activity ? `[data-activity="${activity}"]` : ''}`);

  test('shows the groups and agents, follows events, shows "reconnecting" while the gateway restarts and resumes', async () => {
    for (const n of ['1001', '1002', '1011']) {
      await as(n, 'agentLogin(password: "123456", loginType: SIP_PHONE, waitForEvent: true) { request }');
    }
    await as('1001', 'agentIdle(waitForEvent: true) { request }');
    await as('1011', 'agentIdle(waitForEvent: true) { request }');
    await liveStateOf(stack.gateway.services).settled();

    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    // While the gateway restarts on its port, the page's reconnect attempts are refused: expected, not a problem.
    let restarting = false;
    page.on('console', (msg) => {
      if (msg.type() !== 'error' || (restarting && /ERR_CONNECTION_REFUSED/.test(msg.text()))) return;
      problems.push(`console: ${msg.text()}`);
    });
    const viewer = await stack.token(['viewer']);
    await page.goto(`${stack.url}/wallboard#token=${viewer}`);

    // The token leaves the address bar; the sandbox's groups and agents are there.
    await page.locator('.wallboard[data-status="live"]').waitFor();
    expect(page.url()).toBe(`${stack.url}/wallboard`);
    await page.locator('article.group[data-group-id="1"]').waitFor();
    await page.locator('article.group[data-group-id="2"]').waitFor();
    await agent(page, '1001', 'IDLE').waitFor();
    await agent(page, '1011', 'IDLE').waitFor();
    await agent(page, '1002').waitFor();
    expect(await page.locator('article.group[data-group-id="1"] .group-sub').textContent()).toContain('2 logged in');
    // The gateway's totals (groupId null) are one card for all groups, first, not a group of their own.
    expect(await page.locator('article.group').first().getAttribute('data-group-id')).toBe('all');
    expect(await page.locator('article.group[data-group-id="all"] h2').textContent()).toBe('All groups');
    expect(await page.locator('article.group[data-group-id="all"] .group-sub').textContent()).toContain('3 logged in');

    // Events move it: an agent goes busy, a call rings and is answered (a viewer sees the number masked), a call queues.
    await as('1002', 'agentBusy(platformBusyType: "training", waitForEvent: true) { request }');
    await agent(page, '1002', 'BUSY').waitFor();
    expect(await agent(page, '1002').locator('.agent-detail').textContent()).toBe('training');
    await stack.api.post('/agents/1011/inbound', { caller: '13812345678' });
    await agent(page, '1011', 'TALKING').waitFor();
    expect(await agent(page, '1011').locator('.agent-detail').textContent()).toContain('138****5678');
    // Times in state tick.
    const before = await agent(page, '1002').locator('.agent-time').textContent();
    expect(before).toMatch(/^\d+:\d\d$/);
    await agent(page, '1002')
      .locator('.agent-time', { hasNotText: new RegExp(`^${before}$`) })
      .waitFor({ timeout: 2500 });
    // A call queues in group 1: calls waiting and the longest wait (ticking) show what the gateway has.
    await stack.api.post('/queue/join', { groupId: '1', caller: '13900001111' });
    const waiting = await eventually(async () => {
      const w = await stack.gql(`{ wallboard(groupIds: ["1"]) { groups { callsWaiting } } }`, {}, viewer);
      expect(w.data!.wallboard.groups[0].callsWaiting).toBe(1);
      return 1;
    }, 3000).catch(() => 0); // (0 while the gateway does not read the platform's QueueInfo fields)
    if (waiting) {
      await page.locator('article.group[data-group-id="1"] [data-kpi="callsWaiting"]', { hasText: /^1$/ }).waitFor();
      await page.locator('article.group[data-group-id="1"] [data-kpi="longestWait"]', { hasText: /^0:0[1-9]$/ }).waitFor();
    }

    // The gateway goes away: the page says so, and keeps what it showed.
    const port = stack.gateway.port;
    const hookSecret = stack.config.hookSecret!;
    restarting = true;
    await stack.close();
    await page.locator('.wallboard[data-status="reconnecting"]').waitFor();
    expect(await page.locator('.banner-reconnecting').textContent()).toContain('Reconnecting');
    await agent(page, '1011', 'TALKING').waitFor();
    // Meanwhile the caller hangs up: the platform retries the callbacks until a gateway takes them.
    await stack.api.post('/agents/1011/hangup', {});

    // Another instance on the same port and store: the page resumes after its cursor, and misses nothing.
    stack = await startStack({ sandbox, prefix, env: { PORT: String(port), HOOK_SECRET: hookSecret } });
    await page.locator('.wallboard[data-status="live"]').waitFor({ timeout: 20_000 });
    restarting = false;
    expect(await page.locator('.banner-reconnecting').count()).toBe(0);
    await agent(page, '1011', 'IDLE').waitFor();
    expect(await page.locator('.wallboard').getAttribute('data-snapshots')).toBe('1'); // resumed, not reloaded
    await as('1001', 'agentBusy(platformBusyType: "lunch", waitForEvent: true) { request }');
    await agent(page, '1001', 'BUSY').waitFor();

    // A moving board for the screenshot: the sandbox's simulated traffic.
    await stack.api.post('/agents/traffic', { agents: 14, changesPerSecond: 5 });
    await page.locator('li.agent').nth(13).waitFor();
    await page.waitForTimeout(4000);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'wallboard.png'), fullPage: true });
    await (await request(`${sandbox.url}/__sandbox/agents/traffic`, { method: 'DELETE' })).body.dump();
    expect(problems).toEqual([]);
    await page.close();
  });

  test('takes a new snapshot when its cursor has expired (the store lost the live state while it was away)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${stack.url}/wallboard#token=${await stack.token(['viewer'])}`);
    await page.locator('.wallboard[data-status="live"][data-snapshots="1"]').waitFor();
    await agent(page, '1001').waitFor();

    const port = stack.gateway.port;
    const hookSecret = stack.config.hookSecret!;
    await stack.close();
    await page.locator('.wallboard[data-status="reconnecting"]').waitFor();
    await deleteKeysWithPrefix(testRedisUrl(), prefix); // Redis lost everything: the page's cursor leads nowhere
    stack = await startStack({ sandbox, prefix, env: { PORT: String(port), HOOK_SECRET: hookSecret } });
    // CURSOR_EXPIRED: a fresh snapshot of the (empty) live state, then its updates.
    await page.locator('.wallboard[data-status="live"][data-snapshots="2"]').waitFor({ timeout: 20_000 });
    // The platform starts its day again too (the first test's traffic left agents in calls).
    await stack.api.reset();
    await as('1011', 'agentLogin(password: "123456", loginType: SIP_PHONE, waitForEvent: true) { request }');
    await as('1011', 'agentBusy(platformBusyType: "meeting", waitForEvent: true) { request }');
    await agent(page, '1011', 'BUSY').waitFor();
    await page.close();
  });

  test('asks for a token without one, refuses a bad one, and keeps a good one for the tab', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${stack.url}/wallboard`);
    const input = page.locator('form.token-form input[name="token"]');
    await input.fill('not-a-token');
    await page.locator('form.token-form button[type="submit"]').click();
    await page.locator('.token-error').waitFor();
    expect(await page.locator('.token-error').textContent()).toContain('refused');

    await input.fill(`Bearer ${await stack.token(['viewer'])}`);
    await page.locator('form.token-form button[type="submit"]').click();
    await page.locator('.wallboard[data-status="live"]').waitFor();
    await agent(page, '1011', 'BUSY').waitFor(); // what the gateway knows now (the agent the last test made busy)
    // A reload keeps the board (the token is in sessionStorage), without asking again.
    await page.reload();
    await page.locator('.wallboard[data-status="live"]').waitFor();
    expect(await page.locator('form.token-form').count()).toBe(0);
    await page.close();
  });
});
