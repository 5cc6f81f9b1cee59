import { request } from 'undici';

/** Posts a platform callback to a hook URL as the platform does; answers the status and the body. */
export async function postHook(url: string, body: unknown, contentType = 'application/json') {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

/** A CallEnd callback body (its idempotency key is the callId). */
export const callEnd = (callId: string, taskSn = 'task-1') => ({
  event: 'CallEnd',
  callId,
  taskSn,
  called: '13800000000',
  caller: '95001',
  hangupGcode: 0,
  duration: 1000,
});
