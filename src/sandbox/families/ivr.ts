import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import type { SandboxContext } from '../server';

/**
 * The platform's side of the IVR-API transfer (family `ivr`): during an IVR flow it POSTs the call
 * and the keys pressed to the customer's URL and transfers by the answer. The sandbox's caller is
 * POST /__sandbox/ivr/call {caller, called, dtmf, occCallId?}: it asks `<hook URL>/ivr` exactly as
 * the platform would (JSON) and returns the HTTP status, the answer and how long it took.
 */
export function registerIvr(ctx: SandboxContext): void {
  ctx.control('post', '/ivr/call', async (req) => {
    const hookUrl = ctx.callbacks.options.hookUrl;
    if (!hookUrl) throw new Error('no callback URL configured (POST /__sandbox/callbacks/config {hookUrl})');
    const { caller, called, dtmf, occCallId } = (req.body ?? {}) as Record<string, unknown>;
    const body = { occCallId: occCallId ?? randomUUID(), caller, called, dtmf: dtmf ?? '' };
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
  });
}
