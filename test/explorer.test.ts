import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { request } from 'undici';
import { chromiumPath, launchBrowser } from './support/browser';
import { externalLoads, fetchPageWithAssets } from './support/page-assets';
import { startStack, type Stack } from './support/stack';

/** Screenshots land here (git-ignored). */
const OUTPUT = join(__dirname, '..', 'test-output');

function chromiumOrSkip(): boolean {
  try {
    chromiumPath();
    return true;
  } catch (err) {
    console.warn(`skipping the explorer's browser test: ${(err as Error).message}`);
    return false;
  }
}

describe('GET /explorer (GraphiQL, bundled with the gateway)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(); // NODE_ENV unset: development, the explorer is on
  });
  afterAll(() => stack.close());

  test('the page and every file it loads come from the gateway: no external URL, fonts included', async () => {
    const assets = await fetchPageWithAssets(stack.url, '/explorer', '/explorer/assets/');
    const page = assets[0];
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html; charset=utf-8');
    const kinds = assets.map((a) => a.type.split(';')[0]);
    expect(kinds).toEqual(expect.arrayContaining(['text/html', 'text/javascript', 'text/css']));
    // The app, its stylesheet and Monaco's three workers (editor, JSON, GraphQL).
    expect(assets.filter((a) => /\.worker-[A-Z0-9]+\.js$/.test(a.url))).toHaveLength(3);
    for (const asset of assets) {
      expect({ url: asset.url, status: asset.status }).toEqual({ url: asset.url, status: 200 });
      expect({ url: asset.url, external: externalLoads(asset) }).toEqual({ url: asset.url, external: [] });
    }
    // The stylesheet's fonts are inline or served here.
    const css = assets.find((a) => a.type.startsWith('text/css'))!;
    for (const m of css.body.matchAll(/url\(\s*["']?([^"')]+)/g)) expect(m[1]).toMatch(/^(data:|\/explorer\/assets\/|\.\/[\w.-]+$)/);
    expect(assets.find((a) => /codicon-[A-Z0-9]+\.ttf$/.test(a.url))?.status).toBe(200);
    // No token in a static file: it comes in the link's fragment, which no server sees.
    expect(assets.map((a) => a.body).join('\n')).not.toMatch(/eyJhbGciOi/);
  });

  test('a CSP for the editor: own scripts and workers, connections to this origin only', async () => {
    const res = await request(`${stack.url}/explorer`);
    await res.body.text();
    const csp = String(res.headers['content-security-policy']).split('; ');
    const host = new URL(stack.url).host;
    expect(csp).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "script-src 'self'",
        "worker-src 'self'",
        `connect-src 'self' ws://${host} wss://${host}`,
      ]),
    );
  });

  test('a browser asking /graphql for a page is sent to the explorer; Apollo landing page is gone', async () => {
    const res = await request(`${stack.url}/graphql`, { headers: { accept: 'text/html' } });
    await res.body.text();
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/explorer');
    const home = await request(`${stack.url}/`);
    expect(await home.body.text()).toContain('href="/explorer"');
  });
});

describe('the explorer in production', () => {
  test('is off unless EXPLORER=true: /explorer 404, a browser at /graphql needs a token like anyone', async () => {
    const off = await startStack({ env: { NODE_ENV: 'production' } });
    try {
      const page = await request(`${off.url}/explorer`);
      await page.body.text();
      expect(page.statusCode).toBe(404);
      const graphql = await request(`${off.url}/graphql`, { headers: { accept: 'text/html' } });
      const body = await graphql.body.text();
      expect(graphql.statusCode).toBe(401);
      expect(body).not.toMatch(/apollographql|embeddable-sandbox/);
      expect(await (await request(`${off.url}/`)).body.text()).not.toContain('/explorer');
    } finally {
      await off.close();
    }
    const on = await startStack({ env: { NODE_ENV: 'production', EXPLORER: 'true' } });
    try {
      const page = await request(`${on.url}/explorer`);
      await page.body.text();
      expect(page.statusCode).toBe(200);
    } finally {
      await on.close();
    }
  });
});

const browserTest = chromiumOrSkip() ? describe : describe.skip;

browserTest('the explorer in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  test('loads nothing from elsewhere, takes the token from the fragment and runs a query', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const origin = new URL(stack.url).origin;
    const elsewhere: string[] = [];
    const problems: string[] = [];
    // Every request the page makes is seen here; one to another host is refused (the test then fails).
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });

    const token = await stack.token(['admin']);
    await page.goto(`${stack.url}/explorer#token=${token}`);
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
    expect(page.url()).toBe(`${stack.url}/explorer`); // the token left the address bar
    const answered = page.waitForResponse((r) => r.url().endsWith('/graphql') && r.request().method() === 'POST' && r.status() === 200);
    await page.locator('.graphiql-execute-button').click();
    await answered;
    await page.locator('.graphiql-response').getByText('"total"').waitFor({ timeout: 15_000 });

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'explorer.png') });
    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
  });
});
