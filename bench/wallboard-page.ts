import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser';
import { latencySummary } from './support';

/**
 * The wallboard page of bench:wallboard in headless Chromium: /wallboard with a viewer token, a board
 * of every agent, and the page's own user timing per update (web/wallboard/src/timing.ts) gathered by
 * a PerformanceObserver while the traffic runs.
 */

const MEASURES = ['wallboard:update', 'wallboard:render', 'wallboard:paint'] as const;
type Durations = Record<(typeof MEASURES)[number], number[]>;

export interface PageFigures {
  /** Update arrival → commit of the render showing it (ms). */
  update: ReturnType<typeof latencySummary>;
  /** Render request → commit: preact's own work per render (ms). */
  render: ReturnType<typeof latencySummary>;
  /** Update arrival → the task after the next frame, painted (ms). */
  paint: ReturnType<typeof latencySummary>;
  updatesRenderedPerSecond: number;
  rendersPerSecond: number;
  agentTiles: number;
  pageErrors: string[];
}

export class WallboardPage {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
    private readonly errors: string[],
  ) {}

  /** Opens the board and waits until it shows `agents` agents, live. */
  static async open(gatewayUrl: string, viewerToken: string, agents: number): Promise<WallboardPage> {
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => msg.type() === 'error' && errors.push(`console: ${msg.text()}`));
    await page.goto(`${gatewayUrl}/wallboard#token=${viewerToken}`);
    await page.locator('.wallboard[data-status="live"]').waitFor({ timeout: 30_000 });
    await page
      .locator('li.agent')
      .nth(agents - 1)
      .waitFor({ timeout: 30_000 });
    return new WallboardPage(browser, page, errors);
  }

  /** Starts gathering the page's measures. */
  async start(): Promise<void> {
    await this.page.evaluate((names) => {
      const durations: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) durations[e.name]?.push(e.duration);
      });
      observer.observe({ type: 'measure' });
      (globalThis as Record<string, unknown>).benchTiming = { durations, observer };
    }, MEASURES);
    this.started = Date.now();
  }

  private started = 0;

  /** Stops gathering; the figures since start(). */
  async stop(): Promise<PageFigures> {
    const seconds = (Date.now() - this.started) / 1000;
    const durations = await this.page.evaluate(() => {
      const t = (globalThis as Record<string, unknown>).benchTiming as {
        durations: Record<string, number[]>;
        observer: { disconnect(): void };
      };
      t.observer.disconnect();
      return t.durations;
    });
    const d = durations as Durations;
    const per = (n: number) => Math.round((n / seconds) * 10) / 10;
    return {
      updatesRenderedPerSecond: per(d['wallboard:update'].length),
      rendersPerSecond: per(d['wallboard:render'].length),
      update: latencySummary(d['wallboard:update']),
      render: latencySummary(d['wallboard:render']),
      paint: latencySummary(d['wallboard:paint']),
      agentTiles: await this.page.locator('li.agent').count(),
      pageErrors: this.errors,
    };
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
