/**
 * Lookups benchmark (a script, not a test): `npm run bench:lookups`.
 * Gateway: `phones(numbers: <100 cached numbers>) { location { province } state }` over HTTP.
 * Baseline: a plain Node HTTP handler reading the same 200 keys (location + state of the 100
 * numbers) from the same Redis with one MGET and answering JSON. Both measured in this run with a
 * bounded loop of undici requests at a fixed concurrency, in alternating rounds; prints throughput, p50/p99 and the ratio.
 * Needs Redis (REDIS_URL, default redis://127.0.0.1:6379).
 */
import 'reflect-metadata';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { Agent, request } from 'undici';
import { mintToken } from '../src/auth/jwt';
import { PhoneLookupCache } from '../src/upstream/phone-cache';
import { LookupKind } from '../src/schema/lookup';
import { compare, REDIS_URL, startBenchStack } from './support';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

async function main(): Promise<void> {
  const stack = await startBenchStack({
    HOOK_SECRET: 'bench-hook-secret',
    AUTH_JWT_SECRET: SECRET,
    // Steady state: a "lookup failed" state stays cached for the whole run, like every other answer.
    LOOKUP_FAILURE_TTL_S: '3600',
  });
  const { sandbox, gateway, prefix } = stack;
  const token = await mintToken(SECRET, { sub: 'bench', roles: ['viewer'] });
  const numbers = Array.from({ length: 100 }, (_, i) => String(13700000000 + i * 7919));
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });

  const body = JSON.stringify({
    query: `query($ns: [Phone!]!) { phones(numbers: $ns) { location { province } state } }`,
    variables: { ns: numbers },
  });
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
    const value = (raw: string | null) => (raw === null ? null : (JSON.parse(raw) as { v?: unknown }).v);
    const phones = numbers.map((n, i) => ({ number: n, location: value(values[2 * i]), state: value(values[2 * i + 1]) }));
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

  console.log(
    `lookups benchmark: 100 cached numbers, location { province } + state; ${CONCURRENCY} concurrent, ${DURATION_MS / 1000} s each, in 4 alternating rounds`,
  );
  const { baseline: base, gateway: gw } = await compare({ baseline: plain, gateway: gql }, DURATION_MS, CONCURRENCY);
  const calls = sandbox.count('lookup.location') + sandbox.count('lookup.phonestate') - callsBefore;
  console.log(
    `ratio      ${(gw.rps / base.rps).toFixed(2)} of the baseline's throughput (target ≥ 0.5); platform calls during the run: ${calls}`,
  );

  baseline.close();
  await agent.close();
  redis.disconnect();
  await stack.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
