/**
 * npm run bench:wallboard — the live wallboard under load (issue #15): BENCH_AGENTS agents in
 * BENCH_GROUPS skill groups (logged in with their groups) change state BENCH_RATE times a second in
 * total, BENCH_CALLS_PER_SECOND inbound calls join the groups' queues and leave them (answered, most
 * within seconds and some after a long wait, or abandoned), each QueueInfo pushed to every logged-in
 * agent of its group as the sandbox does (so the gateway gets every change once per agent), all POSTed
 * to the gateway's callback URL (/hooks/<secret>). BENCH_SUBSCRIBERS graphql-ws clients hold
 * wallboardUpdates, BENCH_GROUP_SUBSCRIBERS of them with the group figures and their statistics; and
 * (unless BENCH_BROWSER=0) the wallboard page in headless Chromium shows the board.
 *
 * Prints p50/p99 from the event POST to the update at a subscriber (agent updates, queue updates,
 * group figures), lost updates, Redis commands per event (sent by the gateway's store client), the
 * events per second sustained, and the page's own render time per update.
 *
 * The gateway runs in this thread; the platform's pushes and the subscribers in a worker thread
 * (bench/wallboard-load.ts). Settings (env): BENCH_AGENTS (200), BENCH_GROUPS (10), BENCH_RATE (10),
 * BENCH_CALLS_PER_SECOND (20), BENCH_SUBSCRIBERS (500), BENCH_GROUP_SUBSCRIBERS (50), BENCH_SECONDS
 * (60), BENCH_BROWSER (1; 0 skips the page), and the Redis as the gateway takes it
 * (bench/support.ts REDIS_ENV: REDIS_URL, default redis://127.0.0.1:6379, or REDIS_CLUSTER_NODES, or
 * REDIS_SENTINELS + REDIS_SENTINEL_NAME).
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Redis from 'ioredis';
import { mintToken } from '../src/auth/jwt';
import type { RedisStore } from '../src/store/redis';
import type { RedisClient } from '../src/store/redis-connection';
import { liveStateOf } from '../src/subscriptions/live-state';
import { latencySummary, positiveSettings, startBenchStack } from './support';
import type { LoadCommand, LoadReport, LoadSettings } from './wallboard-load';
import { WallboardPage, type PageFigures } from './wallboard-page';

const settings = positiveSettings({
  BENCH_AGENTS: 200,
  BENCH_GROUPS: 10,
  BENCH_RATE: 10,
  BENCH_CALLS_PER_SECOND: 20,
  BENCH_SUBSCRIBERS: 500,
  BENCH_GROUP_SUBSCRIBERS: 50,
  BENCH_SECONDS: 60,
});
const BROWSER = process.env.BENCH_BROWSER !== '0';
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

/** Counts the commands the gateway's own Redis client sends (exact, unlike the server-wide counter). */
function countCommands(client: RedisClient): { count: number; byName: Record<string, number> } {
  const counter = { count: 0, byName: {} as Record<string, number> };
  const target = client as Redis; // a Cluster client sends through sendCommand alike
  const send = target.sendCommand.bind(target);
  target.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    counter.count++;
    const name = args[0].name;
    counter.byName[name] = (counter.byName[name] ?? 0) + 1;
    return send(...args);
  }) as Redis['sendCommand'];
  return counter;
}

/** The load worker, as a sequence of awaited reports. */
function startLoad(load: LoadSettings) {
  const worker = new Worker(join(__dirname, 'wallboard-load.js'), { workerData: load });
  const reports: LoadReport[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  worker.on('message', (m: LoadReport) => {
    if (m.type === 'failed') failure = new Error(`load worker: ${m.message}`);
    reports.push(m);
    wake?.();
  });
  worker.on('error', (err) => {
    failure = err;
    wake?.();
  });
  return {
    send: (command: LoadCommand) => worker.postMessage(command),
    async next<T extends LoadReport['type']>(type: T): Promise<Extract<LoadReport, { type: T }>> {
      for (;;) {
        if (failure) throw failure;
        const i = reports.findIndex((r) => r.type === type);
        if (i >= 0) return reports.splice(i, 1)[0] as Extract<LoadReport, { type: T }>;
        await new Promise<void>((r) => (wake = r));
      }
    },
    terminate: () => worker.terminate(),
  };
}

async function main() {
  // Every screen uses the bench's one viewer token: without WS_MAX_SOCKETS_PER_PRINCIPAL=0 the per-principal cap (20) refuses the rest.
  const stack = await startBenchStack({ HOOK_SECRET: 'bench-hook', AUTH_JWT_SECRET: SECRET, WS_MAX_SOCKETS_PER_PRINCIPAL: '0' });
  const { sandbox, gateway } = stack;
  const token = await mintToken(SECRET, { sub: 'bench-viewer', roles: ['viewer'] });
  const load = startLoad({
    hookUrl: `${gateway.url}/hooks/bench-hook`,
    graphqlUrl: `${gateway.url.replace('http', 'ws')}/graphql`,
    token,
    companyId: sandbox.companyId,
    agents: settings.BENCH_AGENTS,
    groups: settings.BENCH_GROUPS,
    rate: settings.BENCH_RATE,
    callsPerSecond: settings.BENCH_CALLS_PER_SECOND,
    subscribers: settings.BENCH_SUBSCRIBERS,
    groupSubscribers: Math.min(settings.BENCH_GROUP_SUBSCRIBERS, settings.BENCH_SUBSCRIBERS),
    seconds: settings.BENCH_SECONDS,
  });
  let page: WallboardPage | undefined;
  try {
    await load.next('loggedIn');
    await liveStateOf(gateway.services).settled();
    load.send({ type: 'settled' });
    await load.next('ready');
    if (BROWSER) {
      page = await WallboardPage.open(gateway.url, token, settings.BENCH_AGENTS);
      await page.start();
    }

    const commands = countCommands((gateway.services.store as RedisStore).client);
    const before = commands.count;
    const cpuBefore = process.cpuUsage();
    const busy = performance.eventLoopUtilization();
    load.send({ type: 'go' });
    const { traffic, tally } = await load.next('done');
    const cpu = process.cpuUsage(cpuBefore);
    const gatewayThreadBusy = +performance.eventLoopUtilization(busy).utilization.toFixed(2);
    const redisCommands = commands.count - before;
    const pageFigures: PageFigures | undefined = await page?.stop();

    const subscribers = settings.BENCH_SUBSCRIBERS;
    const changes = traffic.agentChanges + traffic.queueChanges;
    const perSecond = (n: number) => Math.round((n / traffic.seconds) * 10) / 10;
    console.log(
      JSON.stringify(
        {
          settings: { ...settings, BENCH_BROWSER: BROWSER ? 1 : 0 },
          traffic: {
            agentChanges: traffic.agentChanges,
            calls: { joined: traffic.joined, answered: traffic.answered, abandoned: traffic.abandoned },
            queueChanges: traffic.queueChanges,
            eventsPushed: traffic.pushed,
            eventsPushedPerSecond: perSecond(traffic.pushed),
            eventsAcceptedPerSecond: perSecond(traffic.posts),
            postErrors: traffic.postErrors,
            postErrorReasons: traffic.postErrorReasons,
            postMs: latencySummary(traffic.postLatencies),
            maxSendLagMs: traffic.maxSendLagMs,
          },
          agentUpdates: {
            ms: latencySummary(tally.agentLatencies),
            received: tally.agentUpdates,
            expected: traffic.agentChanges * subscribers,
            lost: traffic.agentChanges * subscribers - tally.agentUpdates,
          },
          queueUpdates: {
            ms: latencySummary(tally.queueLatencies),
            received: tally.queueUpdates,
            expected: traffic.queueChanges * subscribers,
            lost: traffic.queueChanges * subscribers - tally.queueUpdates,
            repeats: tally.queueRepeats,
          },
          groupFigures: {
            subscribers: Math.min(settings.BENCH_GROUP_SUBSCRIBERS, subscribers),
            msFromQueueChange: latencySummary(tally.groupLatencies),
            received: tally.groupUpdates,
          },
          subscriptionErrors: tally.errors,
          redis: {
            commands: redisCommands,
            perEventPushed: +(redisCommands / traffic.pushed).toFixed(2),
            perChange: +(redisCommands / changes).toFixed(2),
            byName: commands.byName,
          },
          gatewayThreadBusy,
          loadThreadBusy: traffic.loadThreadBusy,
          processCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / (traffic.seconds * 1000 + 2000)) * 100),
          page: pageFigures,
        },
        null,
        2,
      ),
    );
    load.send({ type: 'close' });
    await load.next('closed');
  } finally {
    await page?.close();
    await load.terminate();
    await stack.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
