/**
 * Lookups benchmark (a script, not a test): `npm run bench:lookups`.
 * Gateway: `phones(numbers: <100 cached numbers>) { location { province } state }` over HTTP.
 * Baseline: a plain Node HTTP handler reading the same 200 keys (location + state of the 100
 * numbers) from the same Redis with one MGET and answering JSON. Both measured in this run with a
 * bounded loop of undici requests at a fixed concurrency; prints throughput, p50/p99 and the ratio.
 * Needs Redis (REDIS_URL, default redis://127.0.0.1:6379).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { Agent, request } from 'undici';
import { startGateway } from '../src/app';
import { mintToken } from '../src/auth/jwt';
import { loadConfig } from '../src/config';
import { PhoneLookupCache } from '../src/datasources/phone-cache';
import { createLogger } from '../src/logger';
import { LookupKind } from '../src/schema/lookup';
import { startSandbox } from '../src/sandbox/server';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

interface Figures {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
}

async function measure(name: string, send: () => Promise<void>): Promise<Figures> {
  for (let i = 0; i < 200; i++) await send(); // warm-up
  const latencies: number[] = [];
  const end = Date.now() + DURATION_MS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const t = performance.now();
        await send();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  const f = { requests: latencies.length, rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
  console.log(`${name.padEnd(10)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${f.p50.toFixed(2)} ms   p99 ${f.p99.toFixed(2)} ms   (${f.requests} requests)`);
  return f;
}

async function main(): Promise<void> {
  const prefix = `bench:${randomUUID()}:`;
  const sandbox = await startSandbox();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    VCALL_BASE_URL: sandbox.urls.cc,
    VCALL_NOTICE_BASE_URL: sandbox.urls.notice,
    VCALL_OPEN_BASE_URL: sandbox.urls.open,
    VCALL_ACCESS_KEY_ID: sandbox.credentials.accessKeyId,
    VCALL_ACCESS_KEY_SECRET: sandbox.credentials.accessKeySecret,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    HOOK_SECRET: 'bench-hook-secret',
    AUTH_JWT_SECRET: SECRET,
    LOG_LEVEL: 'silent',
  });
  const gateway = await startGateway({ config, logger: createLogger('silent') });
  const token = await mintToken(SECRET, { sub: 'bench', roles: ['viewer'] });
  const numbers = Array.from({ length: 100 }, (_, i) => String(13700000000 + i * 7919));
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });

  const body = JSON.stringify({ query: `query($ns: [Phone!]!) { phones(numbers: $ns) { location { province } state } }`, variables: { ns: numbers } });
  const gql = async () => {
    const res = await request(`${gateway.url}/graphql`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    const out = (await res.body.json()) as { errors?: unknown; data?: { phones: unknown[] } };
    if (out.errors || out.data?.phones.length !== 100) throw new Error(`gateway answered ${JSON.stringify(out).slice(0, 300)}`);
  };
  await gql(); // fills the cache
  const callsBefore = sandbox.count('lookup.location') + sandbox.count('lookup.phonestate');

  // Baseline: the same keys, the same Redis, one MGET, JSON out.
  const redis = new Redis(REDIS_URL, { keyPrefix: prefix });
  const keys = numbers.flatMap((n) => [PhoneLookupCache.key(LookupKind.LOCATION, n), PhoneLookupCache.key(LookupKind.STATE, n)]);
  const baseline = http.createServer(async (_req, res) => {
    const values = await redis.mget(keys);
    const phones = numbers.map((n, i) => ({ number: n, location: JSON.parse(values[2 * i]!).v, state: JSON.parse(values[2 * i + 1]!).v }));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ data: { phones } }));
  });
  baseline.listen(0, '127.0.0.1');
  await once(baseline, 'listening');
  const baseUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}/`;
  const plain = async () => {
    const res = await request(baseUrl, { dispatcher: agent });
    const out = (await res.body.json()) as { data: { phones: unknown[] } };
    if (out.data.phones.length !== 100) throw new Error('baseline answered wrong');
  };

  console.log(`lookups benchmark: 100 cached numbers, location { province } + state; ${CONCURRENCY} concurrent, ${DURATION_MS / 1000} s each`);
  const base = await measure('baseline', plain);
  const gw = await measure('gateway', gql);
  const calls = sandbox.count('lookup.location') + sandbox.count('lookup.phonestate') - callsBefore;
  console.log(`ratio      ${(gw.rps / base.rps).toFixed(2)} of the baseline's throughput (target ≥ 0.5); platform calls during the run: ${calls}`);

  baseline.close();
  await agent.close();
  redis.disconnect();
  await gateway.close();
  await sandbox.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
