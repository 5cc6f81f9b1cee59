/**
 * IVR benchmark (a script, not a test): `npm run bench:ivr`.
 * The platform's IVR transfer requests (`POST /hooks/<secret>/ivr`) against a gateway holding
 * BENCH_RULES routes (default 2000) and blacklist entries, at BENCH_CONCURRENCY (32) for
 * BENCH_DURATION_MS (5000); against a plain Node HTTP handler that parses the same body and answers
 * a fixed JSON, measured in the same run. Prints throughput, p50/p99 and the ratio.
 * Needs Redis (REDIS_URL, default redis://127.0.0.1:6379).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { compare, startBenchStack } from './support';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const RULES = Number(process.env.BENCH_RULES ?? 2000);
const HOOK = 'bench-ivr-hook';

async function main(): Promise<void> {
  const stack = await startBenchStack({ HOOK_SECRET: HOOK, AUTH_JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123' });
  const { gateway } = stack;
  const ivr = gateway.services.ivr;
  // Lines 4000000000…, each with a default route and a few key routes; caller-prefix routes; blacklist.
  const lines = Math.max(1, Math.floor(RULES / 4));
  for (let i = 0; i < RULES; i++) {
    const line = String(4000000000 + Math.floor(i / 4));
    const phone = (prefix: string) => `${prefix}${String(i).padStart(8, '0')}`;
    if (i % 4 === 0) await ivr.createRoute({ called: line, transferTo: phone('139') });
    else if (i % 4 === 1) await ivr.createRoute({ called: line, dtmf: String(i % 10), transferTo: phone('138') });
    else if (i % 4 === 2) await ivr.createRoute({ called: line, dtmf: String(i % 10), callerPrefix: '136', transferTo: phone('137') });
    else await ivr.createBlock({ caller: phone('135') });
  }
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  const body = (i: number) =>
    JSON.stringify({
      occCallId: `c-${i}`,
      caller: `13${5 + (i % 3)}${String(i % RULES).padStart(8, '0')}`,
      called: String(4000000000 + (i % lines)),
      dtmf: String(i % 10),
    });
  const ask = (url: string) => async (i: number) => {
    const res = await request(url, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: body(i) });
    const answer = (await res.body.json()) as { code?: number };
    if (answer.code === undefined) throw new Error(`no answer: ${JSON.stringify(answer)}`);
  };

  const baseline = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      JSON.parse(text);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ code: 0, msg: 'success', data: { phone: '' } }));
    });
  });
  baseline.listen(0, '127.0.0.1');
  await once(baseline, 'listening');

  console.log(
    `ivr benchmark: ${ivr.rules().length} rules, ${CONCURRENCY} concurrent, ${DURATION_MS / 1000} s each, in 4 alternating rounds`,
  );
  const { baseline: base, gateway: gw } = await compare(
    { baseline: ask(`http://127.0.0.1:${(baseline.address() as AddressInfo).port}/`), gateway: ask(`${gateway.url}/hooks/${HOOK}/ivr`) },
    DURATION_MS,
    CONCURRENCY,
  );
  console.log(
    `ratio      ${(gw.rps / base.rps).toFixed(2)} of the baseline's throughput; p99 ${gw.p99.toFixed(2)} ms vs ${base.p99.toFixed(2)} ms`,
  );

  baseline.close();
  await agent.close();
  await stack.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
