/**
 * Limits benchmark (a script, not a test): `npm run bench:limits` (issue #12).
 * What the operation and rate limits cost on the hot path: two gateways, each its own process with
 * NODE_ENV=production, each on its own sandbox and on the suite's Redis under its own key prefix:
 *   - "without": every limit switched off (LIMIT_*, RATE_LIMIT_*, WS_MAX_* all 0);
 *   - "with": the operation limits at their defaults (unset), the rate limits switched on but so
 *     high that they never refuse during the run, so their Redis round trips are measured.
 * Cases: (1) the phones(100) lookup of bench/lookups.ts on a warm cache, (2) a plain query,
 * `skillGroups(page: 1, pageSize: 10)`, answered from the sandbox. Each case is measured in
 * alternating rounds (bench/support.ts `compare`) at a fixed concurrency; prints throughput and
 * p50/p99 per side, the ratio with/without and whether the target (limits cost < 5 % of
 * throughput) is met. Exits non-zero if the "with" side refused anything (then it measured refusals).
 * Settings (env): BENCH_SECONDS per side and case (12), BENCH_ROUNDS (6), BENCH_CONCURRENCY (32),
 * REDIS_URL (redis://127.0.0.1:6379). Figures: docs/benchmarks.md, "Limits".
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { mintToken } from '../src/auth/jwt';
import { startSandbox, type Sandbox } from '../sandbox/server';
import { deleteKeysWithPrefix } from '../src/store/redis';
import {
  benchPrefix,
  childProcesses,
  compare,
  freePort,
  gatewayEnv,
  positiveSettings,
  REDIS_TARGET,
  REDIS_URL,
  type Figures,
} from './support';

const {
  BENCH_SECONDS: SECONDS,
  BENCH_ROUNDS: ROUNDS,
  BENCH_CONCURRENCY: CONCURRENCY,
} = positiveSettings({ BENCH_SECONDS: 12, BENCH_ROUNDS: 6, BENCH_CONCURRENCY: 32 }, ['BENCH_SECONDS']);
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
/** The target: the limits cost under 5 % of throughput, i.e. ratio with/without ≥ 0.95. */
const TARGET_RATIO = 0.95;
/** The codes that mean the gateway refused a request because of a limit. */
const REFUSAL_CODES = new Set(['RATE_LIMITED', 'OPERATION_LIMIT']);

const WITHOUT_LIMITS: Record<string, string> = {
  LIMIT_DEPTH: '0',
  LIMIT_ALIASES: '0',
  LIMIT_TOKENS: '0',
  LIMIT_COST: '0',
  LIMIT_UPSTREAM_CALLS_PER_OPERATION: '0',
  RATE_LIMIT_OPERATIONS_PER_MINUTE: '0',
  RATE_LIMIT_BILLED_PER_MINUTE: '0',
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '0',
  WS_MAX_SOCKETS_PER_PRINCIPAL: '0',
};
const WITH_LIMITS: Record<string, string> = {
  // LIMIT_* and WS_MAX_* unset: their defaults. The rate limits on, never reached in a run.
  RATE_LIMIT_OPERATIONS_PER_MINUTE: '100000000',
  RATE_LIMIT_BILLED_PER_MINUTE: '100000000',
  // No role exempt (the default, stated): the bench's admin and viewer are counted.
  RATE_LIMIT_EXEMPT_ROLES: '',
};

type SideName = 'without' | 'with';

/** Every gateway process this run started, killed on any way out. */
const { children, killAll } = childProcesses('gateways');

interface Side {
  name: SideName;
  url: string;
  sandbox: Sandbox;
  prefix: string;
  /** Answers that were refused by a limit (RATE_LIMITED, OPERATION_LIMIT), by code. */
  refusals: Map<string, number>;
  stop(): Promise<void>;
}

/** A sandbox and a gateway process on it (NODE_ENV=production, its own Redis prefix), ready to serve. */
async function startSide(name: SideName, limits: Record<string, string>): Promise<Side> {
  const sandbox = await startSandbox();
  const prefix = benchPrefix();
  const port = await freePort();
  const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      ...gatewayEnv(sandbox, prefix),
      PORT: String(port),
      NODE_ENV: 'production',
      // No per-operation log line: it would cost both sides alike and hide the limits' share.
      LOG_LEVEL: 'warn',
      HOOK_SECRET: 'bench-hook-secret',
      AUTH_JWT_SECRET: SECRET,
      // Steady state: a "lookup failed" state stays cached for the whole run, like every other answer.
      LOOKUP_FAILURE_TTL_S: '3600',
      ...limits,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.add(child);
  let exited = false;
  const exit = once(child, 'exit').then(() => {
    exited = true;
    children.delete(child);
  });
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(force);
    }
    await sandbox.close();
    await deleteKeysWithPrefix(REDIS_TARGET, prefix);
  };
  const url = `http://127.0.0.1:${port}`;
  // Ready: the gateway answers /readyz (Redis reachable, platform token obtained).
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`the "${name}" gateway exited while starting (code ${child.exitCode})`);
    }
    const ready = await request(`${url}/readyz`)
      .then(async (res) => {
        await res.body.dump();
        return res.statusCode === 200;
      })
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the "${name}" gateway was not ready within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, url, sandbox, prefix, refusals: new Map(), stop };
}

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * A sender of one operation to one side. A refusal by a limit is counted (the run goes on, the
 * result is reported as invalid at the end); any other error or a wrong answer stops the bench.
 */
function sender(side: Side, agent: Agent, token: string, body: string, check: (data: Record<string, unknown>) => boolean) {
  return async () => {
    const res = await request(`${side.url}/graphql`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    const text = await res.body.text();
    let out: GraphQLAnswer;
    try {
      out = JSON.parse(text) as GraphQLAnswer;
    } catch {
      throw new Error(`"${side.name}" answered HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    }
    const refused = (out.errors ?? []).map((e) => e.extensions?.code ?? '').filter((c) => REFUSAL_CODES.has(c));
    if (refused.length > 0) {
      for (const code of new Set(refused)) side.refusals.set(code, (side.refusals.get(code) ?? 0) + 1);
      return;
    }
    if (res.statusCode !== 200 || out.errors || !out.data || !check(out.data)) {
      throw new Error(`"${side.name}" answered HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    }
  };
}

interface CaseResult {
  name: string;
  without: Figures;
  with: Figures;
  ratio: number;
}

async function measureCase(
  name: string,
  sides: Record<SideName, Side>,
  agent: Agent,
  token: string,
  body: string,
  check: (data: Record<string, unknown>) => boolean,
): Promise<CaseResult> {
  const send = { without: sender(sides.without, agent, token, body, check), with: sender(sides.with, agent, token, body, check) };
  console.log(`\n${name}  (baseline = without limits, gateway = with limits)`);
  // compare() names its sides baseline and gateway: here "without" and "with" the limits.
  const out = await compare({ baseline: send.without, gateway: send.with }, SECONDS * 1000, CONCURRENCY, ROUNDS);
  const ratio = out.gateway.rps / out.baseline.rps;
  console.log(
    `ratio      ${ratio.toFixed(3)} with/without throughput (limits cost ${((1 - ratio) * 100).toFixed(1)} %); ` +
      `p50 ${(out.gateway.p50 / out.baseline.p50).toFixed(2)}×, p99 ${(out.gateway.p99 / out.baseline.p99).toFixed(2)}× with/without`,
  );
  return { name, without: out.baseline, with: out.gateway, ratio };
}

async function main(): Promise<number> {
  console.log(
    `limits benchmark: phones(100) on a warm cache and a plain skillGroups query, each against a gateway without limits and one with them; ` +
      `${CONCURRENCY} concurrent (BENCH_CONCURRENCY), ${SECONDS} s per side and case (BENCH_SECONDS) in ${ROUNDS} alternating rounds (BENCH_ROUNDS); ` +
      `NODE_ENV=production; Redis ${REDIS_URL}`,
  );
  console.log(
    `with: operation limits at their defaults, RATE_LIMIT_OPERATIONS_PER_MINUTE=${WITH_LIMITS.RATE_LIMIT_OPERATIONS_PER_MINUTE}, RATE_LIMIT_BILLED_PER_MINUTE=${WITH_LIMITS.RATE_LIMIT_BILLED_PER_MINUTE}; without: every limit 0`,
  );

  const started: Side[] = [];
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  try {
    const without = await startSide('without', WITHOUT_LIMITS);
    started.push(without);
    const withLimits = await startSide('with', WITH_LIMITS);
    started.push(withLimits);
    const sides = { without, with: withLimits };

    const viewer = await mintToken(SECRET, { sub: 'bench-viewer', roles: ['viewer'] });
    const admin = await mintToken(SECRET, { sub: 'bench-admin', roles: ['admin'] });

    // (1) phones(100), as bench/lookups.ts; one request per side fills its cache.
    const numbers = Array.from({ length: 100 }, (_, i) => String(13700000000 + i * 7919));
    const phonesBody = JSON.stringify({
      query: `query($ns: [Phone!]!) { phones(numbers: $ns) { location { province } state } }`,
      variables: { ns: numbers },
    });
    const phonesOk = (data: Record<string, unknown>) => Array.isArray(data.phones) && data.phones.length === 100;
    for (const side of started) await sender(side, agent, viewer, phonesBody, phonesOk)();
    const lookupCalls = (s: Side) => s.sandbox.count('lookup.location') + s.sandbox.count('lookup.phonestate');
    const lookupsBefore = started.map(lookupCalls);
    const results: CaseResult[] = [];
    results.push(await measureCase('phones(100), warm cache', sides, agent, viewer, phonesBody, phonesOk));
    const lookupsDuring = started.map((s, i) => `${s.name} ${lookupCalls(s) - lookupsBefore[i]}`).join(', ');
    console.log(`platform lookup calls during the case (the answers came from the cache): ${lookupsDuring}`);

    // (2) a plain query, one platform call per request.
    const plainBody = JSON.stringify({ query: `{ skillGroups(page: 1, pageSize: 10) { total records { sn name agentTotal } } }` });
    const plainOk = (data: Record<string, unknown>) => typeof (data.skillGroups as { total?: unknown } | null)?.total === 'number';
    results.push(await measureCase('skillGroups(page: 1, pageSize: 10), plain query', sides, agent, admin, plainBody, plainOk));

    console.log('\nsummary (throughput with/without the limits):');
    for (const r of results) {
      console.log(
        `  ${r.name.padEnd(48)} without ${r.without.rps.toFixed(0).padStart(6)} req/s (p50 ${r.without.p50.toFixed(2)} / p99 ${r.without.p99.toFixed(2)} ms)   ` +
          `with ${r.with.rps.toFixed(0).padStart(6)} req/s (p50 ${r.with.p50.toFixed(2)} / p99 ${r.with.p99.toFixed(2)} ms)   ratio ${r.ratio.toFixed(3)}`,
      );
    }
    const worst = Math.min(...results.map((r) => r.ratio));
    const refused = started.some((side) => side.refusals.size > 0);
    const verdict = refused ? 'not assessed: requests were refused (below)' : worst >= TARGET_RATIO ? 'met' : 'not met';
    console.log(`target: limits cost < 5 % of throughput: ${verdict} (lowest ratio ${worst.toFixed(3)}, needs ≥ ${TARGET_RATIO})`);

    let code = 0;
    for (const side of started) {
      const total = [...side.refusals.values()].reduce((a, b) => a + b, 0);
      if (total === 0) continue;
      const detail = [...side.refusals].map(([c, n]) => `${c} ${n}`).join(', ');
      console.error(
        `\n!!!!!!!!!! WARNING: the "${side.name}" gateway REFUSED ${total} requests (${detail}). ` +
          `${side.name === 'with' ? 'It measured refusals, not the cost of the limits: raise the limits or lower the load.' : 'Its limits were meant to be off.'} ` +
          `These figures are not valid. !!!!!!!!!!`,
      );
      code = 1;
    }
    return code;
  } finally {
    await agent.close();
    for (const side of started.reverse()) await side.stop();
  }
}

// Bounded in time whatever happens: the measured time, plus start-up, warm-up and shutdown.
const budgetMs = 2 * 2 * SECONDS * 1000 * 1.5 + 180_000;
const watchdog = setTimeout(() => {
  console.error(`limits benchmark: still running after ${Math.round(budgetMs / 1000)} s; stopping the gateways`);
  killAll();
  process.exit(3);
}, budgetMs);
watchdog.unref();

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    killAll();
    process.exit(1);
  },
);
