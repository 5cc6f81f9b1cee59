import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import type { SandboxContext } from '../server';

/**
 * The platform's side of the IVR-API transfer (family `ivr`): during an IVR flow it POSTs the call
 * and the keys pressed to the customer's URL and transfers by the answer. The sandbox's caller is
 * POST /__sandbox/ivr/call {caller, called, dtmf, occCallId?}: it asks `<hook URL>/ivr` exactly as
 * the platform would (JSON) and returns the HTTP status, the answer and how long it took. With the
 * `ivrTraffic` option (on under `npm start`), simulated callers keep asking on their own.
 */
export function registerIvr(ctx: SandboxContext): void {
  ctx.control('post', '/ivr/call', (req) => {
    const { caller, called, dtmf, occCallId } = (req.body ?? {}) as Record<string, unknown>;
    return askIvr(ctx, { occCallId: occCallId ?? randomUUID(), caller, called, dtmf: dtmf ?? '' });
  });
  if (ctx.ivrTraffic && ctx.ivrTraffic.callsPerMinute > 0) startIvrTraffic(ctx, ctx.ivrTraffic.callsPerMinute);
}

/** The service lines of the simulated IVR traffic, and the keys its callers press. */
const LINES = ['4001234567', '95795'];
const KEYS = ['1', '2', '3', '0', '9'];

/** With `ivrTraffic`, callers keep coming (for `npm start`: the `ivrDecisions` subscription shows life). */
function startIvrTraffic(ctx: SandboxContext, perMinute: number): void {
  let n = 0;
  const timer = setInterval(() => {
    if (!ctx.callbacks.options.hookUrl) return;
    n++;
    const caller = `13${String(800000000 + ((n * 7919) % 100000000)).padStart(9, '0')}`;
    void askIvr(ctx, { occCallId: randomUUID(), caller, called: LINES[n % LINES.length], dtmf: KEYS[n % KEYS.length] }).catch(
      () => undefined,
    );
  }, 60_000 / perMinute);
  timer.unref();
  ctx.onClose(() => clearInterval(timer));
}

/** One transfer request to the customer's IVR URL, as the platform sends it; the answer as it came. */
async function askIvr(ctx: SandboxContext, body: Record<string, unknown>) {
  const hookUrl = ctx.callbacks.options.hookUrl;
  if (!hookUrl) throw new Error('no callback URL configured (POST /__sandbox/callbacks/config {hookUrl})');
  const started = performance.now();
  const res = await request(`${hookUrl}/ivr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
    headersTimeout: 5000,
    bodyTimeout: 5000,
  });
  const text = await res.body.text();
  let answer: unknown = text;
  try {
    answer = JSON.parse(text);
  } catch {
    // not JSON: returned as text, the way the platform would see it
  }
  return { request: body, status: res.statusCode, answer, ms: Math.round((performance.now() - started) * 1000) / 1000 };
}
