/**
 * A/B companion of bench/overhead.ts (issue #16, items 2–3): two gateway builds side by side on the
 * same stand-in upstream, in alternating rounds, so that the machine's drift (other processes on the
 * shared cores, the hypervisor's steal time) hits both alike. For judging one optimisation step
 * against the build before it when whole-run figures move by more than the step does.
 *
 *   node dist/bench/overhead-ab.js <A main.js> <B main.js>
 *
 * (e.g. a build of the step before in another directory: `dist/src/main.js` of a copy of the tree).
 * Each gateway runs as bench/overhead.ts runs it (NODE_ENV=production, LOG_LEVEL=warn, rate limits
 * off, its own Redis prefix, removed afterwards) and serves
 * `{ skillGroups(page: 1, pageSize: 10) { total records { sn name agentTotal } } }` with an admin JWT.
 * Per round and side: BENCH_SEQUENTIAL (1000) requests one at a time, then BENCH_SECONDS / BENCH_ROUNDS
 * (default 12 / 6) s at BENCH_CONCURRENCY (32). Prints per side: sequential p50/p99, req/s under
 * load and p50/p99, CPU per request (sequential, concurrent, all); B relative to A; the load
 * average and the steal time during the run.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { mintToken } from '../src/auth/jwt';
import { deleteKeysWithPrefix } from '../src/store/redis';
import { CREDENTIALS, GATEWAY_SETTINGS, SECRET, SKILL_GROUPS_QUERY } from './overhead-settings';
import { benchPrefix, concurrentLoad, freePort, gatewayEnvFor, processCpuMs, REDIS_TARGET, sequentialLoad, summarize } from './support';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 1000);
const [mainA, mainB] = process.argv.slice(2).map((p) => resolve(p));
if (!mainA || !mainB) {
  console.error('usage: node dist/bench/overhead-ab.js <A main.js> <B main.js>');
  process.exit(2);
}

const QUERY = JSON.stringify({ query: SKILL_GROUPS_QUERY });

const children = new Set<ChildProcess>();
const prefixes: string[] = [];
const killAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    void Promise.all(prefixes.map((p) => deleteKeysWithPrefix(REDIS_TARGET, p))).finally(() => process.exit(130));
  });
}

interface Proc {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function spawned(child: ChildProcess): Proc['stop'] {
  children.add(child);
  const exit = once(child, 'exit');
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exit;
    clearTimeout(force);
  };
}

async function startUpstream(): Promise<Proc> {
  const child = spawn(process.execPath, [join(__dirname, 'overhead-upstream.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      OVERHEAD_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      OVERHEAD_ACCESS_KEY_SECRET: CREDENTIALS.accessKeySecret,
      OVERHEAD_LOG_PAGE: '50',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = spawned(child);
  const line = await new Promise<string>((res) => createInterface({ input: child.stdout! }).once('line', res));
  return { url: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`, pid: child.pid!, stop };
}

async function startGateway(main: string, upstream: string): Promise<Proc> {
  const prefix = benchPrefix();
  prefixes.push(prefix);
  const port = await freePort();
  const hosts = { cc: upstream, notice: `${upstream}/notice`, open: upstream };
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', ...gatewayEnvFor(hosts, CREDENTIALS, prefix), PORT: String(port), ...GATEWAY_SETTINGS },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = spawned(child);
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ;) {
    const ready = await request(`${url}/readyz`).then(
      async (r) => (await r.body.dump(), r.statusCode === 200),
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${main} did not get ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid: child.pid!, stop };
}

/** Steal time (ticks) of the whole machine so far, from /proc/stat. */
function stealTicks(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  return Number(cpu[8] ?? 0);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const load0 = loadavg();
  const steal0 = stealTicks();
  const upstream = await startUpstream();
  const sides = { A: await startGateway(mainA, upstream.url), B: await startGateway(mainB, upstream.url) };
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  const headers = {
    'content-type': 'application/json',
    authorization: `Bearer ${await mintToken(SECRET, { sub: 'ab', roles: ['admin'] })}`,
  };
  const sender = (url: string) => async () => {
    const res = await request(`${url}/graphql`, { method: 'POST', headers, body: QUERY, dispatcher: agent });
    const text = await res.body.text();
    if (res.statusCode !== 200 || !text.includes('"records":[{')) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  };
  const send = { A: sender(sides.A.url), B: sender(sides.B.url) };
  type Side = keyof typeof sides;
  const acc = Object.fromEntries(
    (['A', 'B'] as Side[]).map((s) => [s, { seq: [] as number[], conc: [] as number[], seqS: 0, concS: 0, seqCpu: 0, concCpu: 0 }]),
  ) as Record<Side, { seq: number[]; conc: number[]; seqS: number; concS: number; seqCpu: number; concCpu: number }>;
  try {
    for (const s of ['A', 'B'] as Side[]) {
      await sequentialLoad(send[s], 300, []);
      await concurrentLoad(send[s], 1000, CONCURRENCY, []);
    }
    for (let r = 0; r < ROUNDS; r++) {
      // The order alternates too: A first in even rounds, B first in odd ones.
      for (const s of (r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) as Side[]) {
        const a = acc[s];
        let cpu = processCpuMs(sides[s].pid);
        a.seqS += await sequentialLoad(send[s], SEQUENTIAL, a.seq);
        a.seqCpu += processCpuMs(sides[s].pid) - cpu;
        cpu = processCpuMs(sides[s].pid);
        a.concS += await concurrentLoad(send[s], (SECONDS * 1000) / ROUNDS, CONCURRENCY, a.conc);
        a.concCpu += processCpuMs(sides[s].pid) - cpu;
      }
    }
  } finally {
    await agent.close();
    for (const p of [sides.A, sides.B, upstream]) await p.stop();
    await Promise.all(prefixes.map((p) => deleteKeysWithPrefix(REDIS_TARGET, p)));
  }
  const steal = stealTicks() - steal0;
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  const out: Record<string, { seq: ReturnType<typeof summarize>; conc: ReturnType<typeof summarize>; cpu: number[] }> = {};
  for (const s of ['A', 'B'] as Side[]) {
    const a = acc[s];
    const seq = summarize(a.seq, a.seqS);
    const conc = summarize(a.conc, a.concS);
    const cpu = [a.seqCpu / seq.requests, a.concCpu / conc.requests, (a.seqCpu + a.concCpu) / (seq.requests + conc.requests)].map(
      (v) => v * 1000,
    );
    out[s] = { seq, conc, cpu };
    console.log(
      `${s} ${s === 'A' ? mainA : mainB}\n  sequential p50 ${seq.p50.toFixed(2)} / p99 ${seq.p99.toFixed(2)} ms; ${CONCURRENCY} concurrent ${conc.rps.toFixed(0)} req/s ` +
        `(p50 ${conc.p50.toFixed(2)} / p99 ${conc.p99.toFixed(2)} ms); CPU per request: sequential ${cpu[0].toFixed(0)} µs, concurrent ${cpu[1].toFixed(0)} µs, all ${cpu[2].toFixed(0)} µs`,
    );
  }
  const { A, B } = out;
  console.log(
    `B/A: throughput ${(B.conc.rps / A.conc.rps).toFixed(3)}, sequential p50 ${(B.seq.p50 - A.seq.p50).toFixed(2)} ms, ` +
      `CPU per request ${(B.cpu[2] / A.cpu[2]).toFixed(3)} (concurrent ${(B.cpu[1] / A.cpu[1]).toFixed(3)}, sequential ${(B.cpu[0] / A.cpu[0]).toFixed(3)})`,
  );
  console.log(
    `load average ${load0.map((l) => l.toFixed(2)).join(' ')} → ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; steal ${((100 * steal) / (seconds * 100 * 2)).toFixed(1)} % of 2 cores over ${seconds.toFixed(0)} s`,
  );
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  killAll();
  process.exit(1);
});
