/**
 * Overhead benchmark (a script, not a test): `npm run bench:overhead` (issue #16, item 1).
 * What the gateway costs over calling the platform directly, and over the plain handler a team
 * would write instead. Every server is its own process; the load client is this process:
 *   - upstream: bench/overhead-upstream.ts, a stand-in platform answering auth.token, group.page
 *     (a fixed 10-record page), task.logPage and lookup.location from precomputed bytes;
 *   - direct:  the client calls group.page on the upstream itself (a token held);
 *   - plain:   bench/overhead-plain.ts (node:http + undici Pool, token held, header string compare),
 *              `GET /skill-groups` → group.page → `{ total, records: [{ sn, name, agentTotal }] }`;
 *   - gateway: dist/src/main.js, NODE_ENV=production, LOG_LEVEL=warn, the suite's Redis under a fresh
 *              REDIS_PREFIX (removed afterwards), operation limits at their defaults, the per-principal
 *              rate limits off (0: at their defaults, 600 operations a minute, they would refuse
 *              within a second), `{ skillGroups(page: 1, pageSize: 10) { total records { sn name agentTotal } } }`
 *              with an admin JWT.
 * Main case, in BENCH_ROUNDS alternating rounds (each round: every side in turn, first
 * BENCH_SEQUENTIAL requests one at a time, then BENCH_SECONDS / BENCH_ROUNDS s at BENCH_CONCURRENCY):
 * sequential p50/p99, throughput and p50/p99 under load, the CPU per request of each process
 * (/proc/<pid>/stat utime + stime around each phase, divided by the requests served), the ratios
 * and the issue's targets: gateway throughput ≥ 0.40 × plain, sequential p50 ≤ direct + 0.5 ms and
 * p99 ≤ direct + 2 ms.
 * Nested case, gateway and plain: a 50-record `taskCallLogs` page (robot task) with
 * `calledInfo { location { province } }`, warm (the same page, its 50 numbers cached) and cold
 * (every request a page of 50 numbers never seen before, so every lookup misses and goes to the
 * platform), each sequential (BENCH_SEQUENTIAL / 8 warm, / 40 cold, per round) and under load
 * (BENCH_SECONDS / 2 per side and mode). The plain side keeps lookups in a Map of its own.
 * Settings (env): BENCH_SECONDS (15), BENCH_ROUNDS (5), BENCH_CONCURRENCY (32), BENCH_SEQUENTIAL
 * (2000), REDIS_URL (redis://127.0.0.1:6379); BENCH_NESTED=0 skips the nested case;
 * BENCH_GATEWAY_NODE_ARGS adds node options to the gateway process (space-separated, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`: the profile is written when the gateway stops).
 * Figures: docs/benchmarks.md, "Overhead".
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { mintToken } from '../src/auth/jwt';
import { deleteKeysWithPrefix } from '../src/store/redis';
import { CREDENTIALS, GATEWAY_SETTINGS, SECRET, SKILL_GROUPS_QUERY } from './overhead-settings';
import {
  benchPrefix,
  childProcesses,
  concurrentLoad,
  freePort,
  gatewayEnvFor,
  positiveSettings,
  processCpuMs,
  REDIS_TARGET,
  REDIS_URL,
  sequentialLoad,
  summarize,
  type Figures,
} from './support';

const {
  BENCH_SECONDS: SECONDS,
  BENCH_ROUNDS: ROUNDS,
  BENCH_CONCURRENCY: CONCURRENCY,
  BENCH_SEQUENTIAL: SEQUENTIAL,
} = positiveSettings({ BENCH_SECONDS: 15, BENCH_ROUNDS: 5, BENCH_CONCURRENCY: 32, BENCH_SEQUENTIAL: 2000 }, ['BENCH_SECONDS']);
const NESTED = process.env.BENCH_NESTED !== '0';
/** Extra node options for the gateway process only (profiling: --cpu-prof, --prof). */
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

const PLAIN_AUTHORIZATION = 'Bearer plain-bench-token-0123456789abcdef';
const LOG_PAGE = 50;
const WARM_SEQUENTIAL = Math.max(1, Math.round(SEQUENTIAL / 8));
const COLD_SEQUENTIAL = Math.max(1, Math.round(SEQUENTIAL / 40));
/** The issue's targets. */
const TARGET = { throughputRatio: 0.4, p50AddedMs: 0.5, p99AddedMs: 2 };

// ---- child processes: killed on every way out ----

let prefix: string | undefined;
/** abort(code) kills the children, removes the run's Redis keys (bounded in time) and exits. */
const { children, abort } = childProcesses('servers', async () => prefix && deleteKeysWithPrefix(REDIS_TARGET, prefix));

interface Server {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function track(name: string, child: ChildProcess) {
  children.add(child);
  let exited = false;
  const exit = once(child, 'exit').then(() => {
    exited = true;
    children.delete(child);
  });
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exit;
    clearTimeout(force);
  };
  if (child.pid === undefined) throw new Error(`${name}: could not start`);
  return { pid: child.pid, stop, exited: () => exited, exit };
}

/** A bench server script (dist/bench/<script>.js) that prints `{"port":n}` when it listens. */
async function startScript(name: string, script: string, env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [join(__dirname, `${script}.js`)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const t = track(name, child);
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 15 s`)), 15_000);
    void t.exit.then(() => reject(new Error(`${name} exited while starting (code ${child.exitCode})`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve((JSON.parse(line) as { port: number }).port);
      } catch {
        reject(new Error(`${name} printed ${line}`));
      }
    });
  });
  lines.on('line', (line) => console.log(`[${name}] ${line}`));
  return { name, url: `http://127.0.0.1:${port}`, pid: t.pid, stop: t.stop };
}

/** The gateway (dist/src/main.js) on the stand-in upstream, ready (Redis reachable, platform token obtained). */
async function startGateway(upstream: string): Promise<Server> {
  prefix = benchPrefix();
  const port = await freePort();
  const hosts = { cc: upstream, notice: `${upstream}/notice`, open: upstream };
  const child = spawn(process.execPath, [...GATEWAY_NODE_ARGS, join(__dirname, '..', 'src', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', ...gatewayEnvFor(hosts, CREDENTIALS, prefix), PORT: String(port), ...GATEWAY_SETTINGS },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const t = track('gateway', child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (t.exited()) throw new Error(`the gateway exited while starting (code ${child.exitCode})`);
    const ready = await request(`${url}/readyz`)
      .then(async (res) => {
        await res.body.dump();
        return res.statusCode === 200;
      })
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error('the gateway was not ready within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name: 'gateway', url, pid: t.pid, stop: t.stop };
}

// ---- senders: one request, its answer checked ----

type Send = (i: number) => Promise<void>;

async function fetchJson(
  agent: Agent,
  url: string,
  init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; text: string; json: any }> {
  const res = await request(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body, dispatcher: agent });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, text, json };
}

function fail(side: string, status: number, text: string): never {
  throw new Error(`${side} answered HTTP ${status}: ${text.slice(0, 400)}`);
}

interface GatewayAnswer {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

function gatewaySender(
  agent: Agent,
  url: string,
  jwt: string,
  body: (i: number) => string,
  check: (data: Record<string, any>) => boolean,
): Send {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${jwt}` };
  return async (i) => {
    const { status, text, json } = await fetchJson(agent, `${url}/graphql`, { method: 'POST', headers, body: body(i) });
    const out = json as GatewayAnswer | undefined;
    if (status !== 200 || !out || out.errors || !out.data || !check(out.data)) fail('gateway', status, text);
  };
}

function getSender(
  side: string,
  agent: Agent,
  url: (i: number) => string,
  headers: Record<string, string>,
  check: (json: any) => boolean,
): Send {
  return async (i) => {
    const { status, text, json } = await fetchJson(agent, url(i), { headers });
    if (status !== 200 || json === undefined || !check(json)) fail(side, status, text);
  };
}

// ---- measurement ----

/** CPU time (ms) of each watched process: the children by pid, and this process (the client). */
type Cpu = Record<string, number>;

interface Phase {
  latencies: number[];
  seconds: number;
  cpu: Cpu;
}

const newPhase = (): Phase => ({ latencies: [], seconds: 0, cpu: {} });

class Meter {
  constructor(private readonly watched: Server[]) {}

  private sample(): Cpu {
    const out: Cpu = {};
    for (const s of this.watched) out[s.name] = processCpuMs(s.pid);
    const self = process.cpuUsage();
    out.client = (self.user + self.system) / 1000;
    return out;
  }

  /** Runs `fn` (which adds latencies to `phase` and returns its seconds), adding the CPU each process used meanwhile. */
  async measure(phase: Phase, fn: () => Promise<number>): Promise<void> {
    const before = this.sample();
    phase.seconds += await fn();
    const after = this.sample();
    for (const k of Object.keys(after)) phase.cpu[k] = (phase.cpu[k] ?? 0) + after[k] - before[k];
  }
}

interface Result {
  figures: Figures;
  /** CPU ms per request, per process. */
  cpuPerRequest: Cpu;
}

function result(phase: Phase): Result {
  const figures = summarize(phase.latencies, phase.seconds);
  const cpuPerRequest: Cpu = {};
  for (const [k, v] of Object.entries(phase.cpu)) cpuPerRequest[k] = v / Math.max(1, figures.requests);
  return { figures, cpuPerRequest };
}

const ms = (v: number) => v.toFixed(2);
const us = (v: number) => `${(v * 1000).toFixed(0)} µs`;
const rps = (v: number) => v.toFixed(0);

/** "server X µs, upstream Y µs, client Z µs" for the processes that served a side. */
function cpuLine(r: Result, server: string | undefined): string {
  const parts: string[] = [];
  if (server) parts.push(`${server} ${us(r.cpuPerRequest[server] ?? 0)}`);
  parts.push(`upstream ${us(r.cpuPerRequest.upstream ?? 0)}`, `client ${us(r.cpuPerRequest.client ?? 0)}`);
  return parts.join(', ');
}

async function upstreamStats(agent: Agent, upstream: string): Promise<Record<string, number>> {
  return (await fetchJson(agent, `${upstream}/__stats`, {})).json as Record<string, number>;
}

function statsDelta(before: Record<string, number>, after: Record<string, number>): string {
  const parts = Object.entries(after)
    .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ×${v}`);
  return parts.length ? parts.join(', ') : 'nothing';
}

async function timed(send: Send): Promise<number> {
  const t = performance.now();
  await send(0);
  return performance.now() - t;
}

async function main(): Promise<number> {
  const startedAt = new Date();
  console.log(
    `overhead benchmark (${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}): ` +
      `${ROUNDS} alternating rounds (BENCH_ROUNDS); per side and round ${SEQUENTIAL} sequential requests (BENCH_SEQUENTIAL), then ` +
      `${(SECONDS / ROUNDS).toFixed(1)} s at ${CONCURRENCY} concurrent (BENCH_SECONDS ${SECONDS} per side, BENCH_CONCURRENCY); Redis ${REDIS_URL}`,
  );
  console.log(
    'gateway: NODE_ENV=production, LOG_LEVEL=warn, operation limits at their defaults, RATE_LIMIT_OPERATIONS_PER_MINUTE=0 and RATE_LIMIT_BILLED_PER_MINUTE=0 (off)',
  );

  const servers: Server[] = [];
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  try {
    const upstream = await startScript('upstream', 'overhead-upstream', {
      OVERHEAD_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      OVERHEAD_ACCESS_KEY_SECRET: CREDENTIALS.accessKeySecret,
      OVERHEAD_LOG_PAGE: String(LOG_PAGE),
    });
    servers.push(upstream);
    const plain = await startScript('plain', 'overhead-plain', {
      OVERHEAD_UPSTREAM: upstream.url,
      OVERHEAD_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      OVERHEAD_ACCESS_KEY_SECRET: CREDENTIALS.accessKeySecret,
      OVERHEAD_AUTHORIZATION: PLAIN_AUTHORIZATION,
    });
    servers.push(plain);
    const beforeGateway = await upstreamStats(agent, upstream.url);
    const gatewayStarted = performance.now();
    const gateway = await startGateway(upstream.url);
    servers.push(gateway);
    const readyMs = performance.now() - gatewayStarted;
    const afterReady = await upstreamStats(agent, upstream.url);
    console.log(
      `gateway ready in ${(readyMs / 1000).toFixed(1)} s (Redis prefix ${prefix}, removed at the end); meanwhile it asked the upstream for: ${statsDelta(beforeGateway, afterReady)}`,
    );

    // The client's own token for the direct side, as the plain handler holds one.
    const tokenAnswer = await fetchJson(agent, `${upstream.url}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accessKeyId: CREDENTIALS.accessKeyId, accessKeySecret: CREDENTIALS.accessKeySecret }),
    });
    const platformToken = encodeURIComponent(String(tokenAnswer.json?.data?.token ?? ''));
    const jwt = await mintToken(SECRET, { sub: 'bench-admin', roles: ['admin'] });
    const plainHeaders = { authorization: PLAIN_AUTHORIZATION };

    const tenRecords = (records: unknown) => Array.isArray(records) && records.length === 10;
    const skillGroupsQuery = JSON.stringify({ query: SKILL_GROUPS_QUERY });
    const sends = {
      direct: getSender(
        'direct',
        agent,
        () => `${upstream.url}/api/group/open/page?pageNo=1&pageSize=10&token=${platformToken}`,
        {},
        (j) => j.code === '0' && tenRecords(j.data?.records),
      ),
      plain: getSender(
        'plain',
        agent,
        () => `${plain.url}/skill-groups?page=1&pageSize=10`,
        plainHeaders,
        (j) => tenRecords(j.records),
      ),
      gateway: gatewaySender(
        agent,
        gateway.url,
        jwt,
        () => skillGroupsQuery,
        (d) => tenRecords(d.skillGroups?.records),
      ),
    };
    type MainSide = keyof typeof sends;
    const mainSides: MainSide[] = ['direct', 'plain', 'gateway'];
    const serverOf: Record<MainSide, string | undefined> = { direct: undefined, plain: 'plain', gateway: 'gateway' };

    // The first request of each side, on a fresh process (the gateway parses and validates the operation, …).
    const firstMs: Record<string, number> = {};
    const beforeFirst = await upstreamStats(agent, upstream.url);
    firstMs.gateway = await timed(sends.gateway);
    const afterFirst = await upstreamStats(agent, upstream.url);
    firstMs.plain = await timed(sends.plain);
    firstMs.direct = await timed(sends.direct);
    console.log(
      `first request: direct ${ms(firstMs.direct)} ms, plain ${ms(firstMs.plain)} ms, gateway ${ms(firstMs.gateway)} ms ` +
        `(the gateway's asked the upstream for: ${statsDelta(beforeFirst, afterFirst)})`,
    );

    const meter = new Meter([upstream, plain, gateway]);
    // Warm-up (not measured): JIT, keep-alive connections, Apollo's document cache.
    for (const side of mainSides) {
      await sequentialLoad(sends[side], 500, []);
      await concurrentLoad(sends[side], 1000, CONCURRENCY, []);
    }

    // What the gateway spends with no request at all (its timers: IVR rules refresh, event log reader, …).
    const idleMs = 3000;
    const idleBefore = processCpuMs(gateway.pid);
    await new Promise((r) => setTimeout(r, idleMs));
    const idleCpuPerS = (processCpuMs(gateway.pid) - idleBefore) / (idleMs / 1000);
    console.log(`gateway idle: ${idleCpuPerS.toFixed(1)} ms CPU per second with no request (over ${idleMs / 1000} s; 10 ms resolution)`);

    const phases = Object.fromEntries(mainSides.map((s) => [s, { sequential: newPhase(), concurrent: newPhase() }])) as Record<
      MainSide,
      { sequential: Phase; concurrent: Phase }
    >;
    const mainStats = await upstreamStats(agent, upstream.url);
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of mainSides) {
        await meter.measure(phases[side].sequential, () => sequentialLoad(sends[side], SEQUENTIAL, phases[side].sequential.latencies));
        await meter.measure(phases[side].concurrent, () =>
          concurrentLoad(sends[side], (SECONDS * 1000) / ROUNDS, CONCURRENCY, phases[side].concurrent.latencies),
        );
      }
      process.stdout.write(`  round ${r + 1}/${ROUNDS} done\n`);
    }
    const mainCalls = statsDelta(mainStats, await upstreamStats(agent, upstream.url));

    const res = Object.fromEntries(
      mainSides.map((s) => [s, { sequential: result(phases[s].sequential), concurrent: result(phases[s].concurrent) }]),
    ) as Record<MainSide, { sequential: Result; concurrent: Result }>;

    console.log(`\nmain case: skillGroups(page: 1, pageSize: 10), 10 records (upstream calls during the rounds: ${mainCalls})`);
    for (const side of mainSides) {
      const { sequential: s, concurrent: c } = res[side];
      console.log(
        `${side.padEnd(8)} sequential p50 ${ms(s.figures.p50)} / p99 ${ms(s.figures.p99)} ms (${s.figures.requests} requests, ${rps(s.figures.rps)} req/s)   ` +
          `${CONCURRENCY} concurrent ${rps(c.figures.rps).padStart(6)} req/s (p50 ${ms(c.figures.p50)} / p99 ${ms(c.figures.p99)} ms, ${c.figures.requests} requests)`,
      );
      console.log(`${''.padEnd(8)} CPU per request: sequential ${cpuLine(s, serverOf[side])}; concurrent ${cpuLine(c, serverOf[side])}`);
    }
    const g = res.gateway;
    const throughputRatio = g.concurrent.figures.rps / res.plain.concurrent.figures.rps;
    const p50Added = g.sequential.figures.p50 - res.direct.sequential.figures.p50;
    const p99Added = g.sequential.figures.p99 - res.direct.sequential.figures.p99;
    const gatewayCpuMs =
      (phases.gateway.sequential.cpu.gateway + phases.gateway.concurrent.cpu.gateway) /
      (g.sequential.figures.requests + g.concurrent.figures.requests);
    console.log(
      `ratios   gateway/plain throughput ${throughputRatio.toFixed(3)}, gateway/direct ${(g.concurrent.figures.rps / res.direct.concurrent.figures.rps).toFixed(3)}, ` +
        `plain/direct ${(res.plain.concurrent.figures.rps / res.direct.concurrent.figures.rps).toFixed(3)}; ` +
        `sequential added over direct: gateway +${ms(p50Added)} ms p50 / +${ms(p99Added)} ms p99, ` +
        `plain +${ms(res.plain.sequential.figures.p50 - res.direct.sequential.figures.p50)} / +${ms(res.plain.sequential.figures.p99 - res.direct.sequential.figures.p99)} ms`,
    );
    console.log(
      `gateway CPU per request: ${us(gatewayCpuMs)} over all its measured requests ` +
        `(sequential ${us(g.sequential.cpuPerRequest.gateway)}, concurrent ${us(g.concurrent.cpuPerRequest.gateway)}); ` +
        `plain ${us(res.plain.concurrent.cpuPerRequest.plain)} concurrent`,
    );
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(
      `targets: throughput ≥ ${TARGET.throughputRatio} × plain: ${verdict(throughputRatio >= TARGET.throughputRatio)} (${throughputRatio.toFixed(3)}); ` +
        `sequential p50 ≤ direct + ${TARGET.p50AddedMs} ms: ${verdict(p50Added <= TARGET.p50AddedMs)} (+${ms(p50Added)}); ` +
        `sequential p99 ≤ direct + ${TARGET.p99AddedMs} ms: ${verdict(p99Added <= TARGET.p99AddedMs)} (+${ms(p99Added)})`,
    );

    if (!NESTED) {
      console.log(
        `\nnested case skipped (BENCH_NESTED=0); load average at the end: ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
      );
      return 0;
    }
    // ---- nested case: taskCallLogs(50) with calledInfo { location { province } }, warm and cold ----
    let nextCold = 0;
    const fiftyWithProvince = (records: any) =>
      Array.isArray(records) &&
      records.length === LOG_PAGE &&
      typeof records[0]?.calledInfo?.location?.province === 'string' &&
      typeof records[LOG_PAGE - 1]?.calledInfo?.location?.province === 'string';
    const logsQuery = (taskSn: string) =>
      JSON.stringify({
        query: `query($sn: ID!) { taskCallLogs(taskSn: $sn, type: ROBOT, page: 1, pageSize: ${LOG_PAGE}) { total records { calledInfo { location { province } } } } }`,
        variables: { sn: taskSn },
      });
    const warmBody = logsQuery('warm');
    const nested = {
      plain: {
        warm: getSender(
          'plain',
          agent,
          () => `${plain.url}/call-logs?taskSn=warm&page=1&pageSize=${LOG_PAGE}`,
          plainHeaders,
          (j) => fiftyWithProvince(j.records),
        ),
        cold: getSender(
          'plain',
          agent,
          () => `${plain.url}/call-logs?taskSn=cold-${nextCold++}&page=1&pageSize=${LOG_PAGE}`,
          plainHeaders,
          (j) => fiftyWithProvince(j.records),
        ),
      },
      gateway: {
        warm: gatewaySender(
          agent,
          gateway.url,
          jwt,
          () => warmBody,
          (d) => fiftyWithProvince(d.taskCallLogs?.records),
        ),
        cold: gatewaySender(
          agent,
          gateway.url,
          jwt,
          () => logsQuery(`cold-${nextCold++}`),
          (d) => fiftyWithProvince(d.taskCallLogs?.records),
        ),
      },
    };
    type NestedSide = keyof typeof nested;
    type Mode = 'warm' | 'cold';
    const nestedSides: NestedSide[] = ['plain', 'gateway'];
    const modes: Mode[] = ['warm', 'cold'];
    const nestedFirst: Record<string, number> = {};
    const beforeNestedFirst = await upstreamStats(agent, upstream.url);
    nestedFirst.gateway = await timed(nested.gateway.warm);
    const afterNestedFirst = await upstreamStats(agent, upstream.url);
    nestedFirst.plain = await timed(nested.plain.warm);
    console.log(
      `\nnested case: first warm-page request (fills the caches): plain ${ms(nestedFirst.plain)} ms, gateway ${ms(nestedFirst.gateway)} ms ` +
        `(the gateway's asked the upstream for: ${statsDelta(beforeNestedFirst, afterNestedFirst)})`,
    );
    for (const side of nestedSides) {
      await sequentialLoad(nested[side].warm, 200, []);
      await sequentialLoad(nested[side].cold, 20, []);
      await concurrentLoad(nested[side].warm, 500, CONCURRENCY, []);
    }
    const nestedPhases = Object.fromEntries(
      nestedSides.map((s) => [s, Object.fromEntries(modes.map((m) => [m, { sequential: newPhase(), concurrent: newPhase() }]))]),
    ) as Record<NestedSide, Record<Mode, { sequential: Phase; concurrent: Phase }>>;
    const nestedCalls: Record<string, string> = {};
    const nestedSeconds = SECONDS / 2;
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of nestedSides) {
        for (const mode of modes) {
          const p = nestedPhases[side][mode];
          const before = await upstreamStats(agent, upstream.url);
          await meter.measure(p.sequential, () =>
            sequentialLoad(nested[side][mode], mode === 'warm' ? WARM_SEQUENTIAL : COLD_SEQUENTIAL, p.sequential.latencies),
          );
          await meter.measure(p.concurrent, () =>
            concurrentLoad(nested[side][mode], (nestedSeconds * 1000) / ROUNDS, CONCURRENCY, p.concurrent.latencies),
          );
          if (r === ROUNDS - 1) nestedCalls[`${side} ${mode}`] = statsDelta(before, await upstreamStats(agent, upstream.url));
        }
      }
      process.stdout.write(`  round ${r + 1}/${ROUNDS} done\n`);
    }
    console.log(
      `nested case: taskCallLogs(pageSize: ${LOG_PAGE}) { records { calledInfo { location { province } } } }; per side and round ` +
        `${WARM_SEQUENTIAL} warm and ${COLD_SEQUENTIAL} cold sequential requests, then ${(nestedSeconds / ROUNDS).toFixed(1)} s of each at ${CONCURRENCY} concurrent`,
    );
    const nestedRes = {} as Record<NestedSide, Record<Mode, { sequential: Result; concurrent: Result }>>;
    for (const side of nestedSides) {
      nestedRes[side] = {} as Record<Mode, { sequential: Result; concurrent: Result }>;
      for (const mode of modes) {
        const s = result(nestedPhases[side][mode].sequential);
        const c = result(nestedPhases[side][mode].concurrent);
        nestedRes[side][mode] = { sequential: s, concurrent: c };
        console.log(
          `${`${side} ${mode}`.padEnd(13)} sequential p50 ${ms(s.figures.p50)} / p99 ${ms(s.figures.p99)} ms (${s.figures.requests} requests)   ` +
            `${CONCURRENCY} concurrent ${rps(c.figures.rps).padStart(6)} req/s (p50 ${ms(c.figures.p50)} / p99 ${ms(c.figures.p99)} ms, ${c.figures.requests} requests)`,
        );
        console.log(`${''.padEnd(13)} CPU per request: sequential ${cpuLine(s, side)}; concurrent ${cpuLine(c, side)}`);
        console.log(`${''.padEnd(13)} upstream calls in the last round: ${nestedCalls[`${side} ${mode}`]}`);
      }
    }
    for (const mode of modes) {
      const gw = nestedRes.gateway[mode];
      const pl = nestedRes.plain[mode];
      console.log(
        `ratio ${mode}: gateway/plain throughput ${(gw.concurrent.figures.rps / pl.concurrent.figures.rps).toFixed(3)}; ` +
          `sequential gateway − plain +${ms(gw.sequential.figures.p50 - pl.sequential.figures.p50)} ms p50 / +${ms(gw.sequential.figures.p99 - pl.sequential.figures.p99)} ms p99`,
      );
    }
    console.log(
      `\nload average at the end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s in all`,
    );
    return 0;
  } finally {
    await agent.close();
    for (const s of servers.reverse()) await s.stop();
    if (prefix) await deleteKeysWithPrefix(REDIS_TARGET, prefix);
  }
}

// Bounded in time whatever happens: start-up, warm-up and shutdown, the measured load, and the sequential requests at up to 10 ms each.
const budgetMs =
  240_000 + 1.5 * (3 * SECONDS + 4 * (SECONDS / 2)) * 1000 + ROUNDS * (3 * SEQUENTIAL + 2 * WARM_SEQUENTIAL + 2 * COLD_SEQUENTIAL * 5) * 10;
const watchdog = setTimeout(() => {
  console.error(`overhead benchmark: still running after ${Math.round(budgetMs / 1000)} s; stopping the servers`);
  abort(3);
}, budgetMs);
watchdog.unref();

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    abort(1);
  },
);
