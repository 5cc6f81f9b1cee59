import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { collect } from './support/subscriptions';
import { startStack, type Stack } from './support/stack';

async function post(url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, method = 'POST') {
  const res = await request(url, { method, headers, body: method === 'GET' ? undefined : body });
  return { status: res.statusCode, text: await res.body.text(), type: res.headers['content-type'] };
}

const callEnd = (callId: string, taskSn: string) =>
  JSON.stringify({ event: 'CallEnd', callId, taskSn, called: '13800000000', caller: '95001', hangupGcode: 0, duration: 1000 });

describe('the platform-facing routes under /hooks/<secret>', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('answers the same empty 404 for another method, an unknown path below the secret, and a malformed secret', async () => {
    const taskSn = randomUUID();
    for (const res of [
      await post(stack.hookUrl, '', {}, 'GET'),
      await post(`${stack.hookUrl}/nope`, callEnd('c', taskSn)),
      await post(`${stack.url}/hooks/%E0%A4%A`, callEnd('c', taskSn)),
      await post(`${stack.url}/hooks`, callEnd('c', taskSn)),
    ]) {
      expect({ status: res.status, text: res.text }).toEqual({ status: 404, text: '' });
    }
  });

  it('takes the callback URL with a trailing slash or a query string, and answers JSON', async () => {
    const taskSn = randomUUID();
    const sub = await collect(stack.ws(), `subscription($taskSn: ID) { callEnded(taskSn: $taskSn) { callId } }`, { taskSn });
    const slash = await post(`${stack.hookUrl}/`, callEnd(`a-${taskSn}`, taskSn));
    const query = await post(`${stack.hookUrl}?from=platform`, callEnd(`b-${taskSn}`, taskSn));
    expect([slash.status, query.status]).toEqual([200, 200]);
    expect(JSON.parse(slash.text)).toEqual({ code: 0, msg: 'success' });
    expect(slash.type).toBe('application/json; charset=utf-8');
    await sub.waitFor(2);
    expect(sub.events.map((e) => e.callId)).toEqual([`a-${taskSn}`, `b-${taskSn}`]);
  });

  it('decodes the body in the charset its Content-Type names, and refuses an unknown charset with 400', async () => {
    const taskSn = randomUUID();
    const sub = await collect(stack.ws(), `subscription($taskSn: ID) { callEnded(taskSn: $taskSn) { callId } }`, { taskSn });
    const latin1 = Buffer.from(callEnd(`caf\u00e9-${taskSn}`, taskSn), 'latin1');
    const res = await request(stack.hookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
      body: latin1,
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    await sub.waitFor(1);
    expect(sub.events[0].callId).toBe(`caf\u00e9-${taskSn}`);
    const unknown = await post(stack.hookUrl, callEnd('x', taskSn), { 'content-type': 'application/json; charset=klingon' });
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.text)).toEqual({ code: 400, msg: 'bad request' });
  });

  it('answers an oversized IVR request 413 in the platform shape', async () => {
    const res = await post(
      `${stack.hookUrl}/ivr`,
      JSON.stringify({ caller: '13800000000', called: '4000000000', pad: 'x'.repeat(20_000) }),
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({ code: 500, msg: 'body too large', data: { phone: '' } });
  });
});

describe('callback bodies beyond the bounds of a callback (BODY_LIMITS)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

  /** Posts a body, expects the platform's ack, and answers the reason of the dead letter whose raw body holds the marker. */
  async function reasonOf(body: string, marker: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
    const ack = await post(stack.hookUrl, body, headers);
    // Accepted as a dead letter: 200 with the same ack as now, so the platform does not push it again.
    expect({ status: ack.status, body: JSON.parse(ack.text) }).toEqual({ status: 200, body: { code: 0, msg: 'received' } });
    const res = await stack.gql('{ deadLetters(limit: 1000) { reason rawBody } }');
    return (res.data!.deadLetters as { reason: string; rawBody: string }[]).find((d) => d.rawBody.includes(marker))?.reason;
  }

  it('keeps a form body whose JSON field nests deeper than 32 levels as a dead letter with that reason', async () => {
    const marker = randomUUID();
    const deep = encodeURIComponent(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`);
    expect(await reasonOf(`event=CallEnd&callId=${marker}&taskSn=t&output=${deep}`, marker, FORM)).toBe(
      'body nested deeper than 32 levels',
    );
    // 32 levels in all (the body and 31 in its field) is still a callback.
    const taskSn = randomUUID();
    const sub = await collect(stack.ws(), `subscription($taskSn: ID) { callEnded(taskSn: $taskSn) { callId } }`, { taskSn });
    const ok = encodeURIComponent(`${'{"a":'.repeat(31)}1${'}'.repeat(31)}`);
    const ack = await post(stack.hookUrl, `event=CallEnd&callId=c-${taskSn}&taskSn=${taskSn}&output=${ok}`, FORM);
    expect(JSON.parse(ack.text)).toEqual({ code: 0, msg: 'success' });
    await sub.waitFor(1);
    const one = encodeURIComponent(`${'{"a":'.repeat(32)}1${'}'.repeat(32)}`);
    expect(await reasonOf(`event=CallEnd&callId=${marker}-33&taskSn=t&output=${one}`, `${marker}-33`, FORM)).toBe(
      'body nested deeper than 32 levels',
    );
  });

  it('keeps a form body with a qs-style nested field name (a[b][c]…, 10,000 levels) as a dead letter: form fields do not nest, the name is too long', async () => {
    const marker = randomUUID();
    const name = `output${'[a]'.repeat(10_000)}`;
    expect(await reasonOf(`event=CallEnd&callId=${marker}&taskSn=t&${encodeURIComponent(name)}=1`, marker, FORM)).toBe(
      'body with a field name longer than 128 characters',
    );
  });

  it('keeps bodies with an over-long string, array or object, or too many values, as dead letters with the bound they broke', async () => {
    const marker = randomUUID();
    const cases: [string, string][] = [
      [
        `{"event":"CallEnd","callId":"${marker}-s","caller":"${'x'.repeat(256 * 1024 + 1)}"}`,
        'body with a string longer than 262144 characters',
      ],
      [
        `{"event":"CallEnd","callId":"${marker}-a","turnInfos":[${Array(10_001).fill('0').join(',')}]}`,
        'body with an array of more than 10000 items',
      ],
      [
        `{"event":"CallEnd","callId":"${marker}-o","output":{${Array.from({ length: 10_001 }, (_, i) => `"k${i}":0`).join(',')}}}`,
        'body with an object of more than 10000 fields',
      ],
      [
        `{"event":"CallEnd","callId":"${marker}-v","output":[${Array(11)
          .fill(`[${Array(10_000).fill('0').join(',')}]`)
          .join(',')}]}`,
        'body with more than 100000 values',
      ],
    ];
    for (const [body, reason] of cases) {
      const id = /"callId":"([^"]+)"/.exec(body)![1];
      expect(await reasonOf(body, id)).toBe(reason);
    }
  });
});

describe('HOOK_ALLOW_CIDRS', () => {
  let outside: Stack;
  let inside: Stack;
  beforeAll(async () => {
    outside = await startStack({ env: { HOOK_ALLOW_CIDRS: '10.0.0.0/8,2001:db8::/32' } });
    inside = await startStack({ env: { HOOK_ALLOW_CIDRS: '10.0.0.0/8,127.0.0.0/8' } });
  });
  afterAll(async () => {
    await outside?.close();
    await inside?.close();
  });

  it('answers a source outside the list 404 with no hint, and takes one inside it', async () => {
    const taskSn = randomUUID();
    expect(await post(outside.hookUrl, callEnd('x', taskSn))).toMatchObject({ status: 404, text: '' });
    expect(await post(`${outside.hookUrl}/ivr`, JSON.stringify({ caller: '13800000000', called: '4000000000' }))).toMatchObject({
      status: 404,
      text: '',
    });
    expect((await post(inside.hookUrl, callEnd(`in-${taskSn}`, taskSn))).status).toBe(200);
  });
});
