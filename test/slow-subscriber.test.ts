/**
 * Issue #14 item 5: a subscriber that stops reading its socket is cut off with a close frame that
 * carries its resume cursor (4413 `SLOW_SUBSCRIBER resumeAfter=<cursor>`), queued behind the frames
 * it was already sent, instead of being dropped at the TCP level (1006) with its SLOW_SUBSCRIBER
 * error stuck behind unread frames.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { request } from 'undici';
import WebSocket from 'ws';
import { ConfigError, loadConfig } from '../src/config';
import { SLOW_READER_CLOSE_CODE } from '../src/subscriptions/coalescing-socket';
import { rawSubscriber, type RawMessage } from './support/raw-ws';
import { startStack, type Stack } from './support/stack';
import { collect, until } from './support/subscriptions';

const WITH_BULK = `subscription($taskSn: ID) { callEnded(taskSn: $taskSn) { cursor callId userData } }`;
const RESUME = `subscription($after: ID, $taskSn: ID) { callEnded(after: $after, taskSn: $taskSn) { cursor callId } }`;

/** 60 KB of user data per callback: 150 callbacks are well over what the kernel buffers for a paused reader (~4 MB). */
const BULK = 'x'.repeat(60 * 1024);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Posts CallEnd callbacks `${prefix}-0` … one after the other (so their cursors follow their numbers) through the hook URL. */
async function postCallbacks(stack: Stack, taskSn: string, prefix: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const callId = `${prefix}-${i}`;
    const res = await request(stack.hookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'CallEnd', callId, taskSn, called: '13800000000', caller: '95001', hangupGcode: 0, userData: BULK }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    ids.push(callId);
  }
  return ids;
}

/** The data, error and complete messages of subscription `id`, in the order received. */
function messagesOf(received: RawMessage[], id: string) {
  const own = received.filter((m) => m.id === id);
  const data = own.filter((m) => m.type === 'next' && m.payload?.data?.callEnded);
  return {
    own,
    data: data.map((m) => m.payload.data.callEnded as { cursor: string; callId: string }),
    errors: own.filter((m) => m.type === 'next' && m.payload?.errors),
  };
}

describe('a subscriber that stops reading (WS_KEEPALIVE_MS 6000: judged stalled after 3 s of nothing written)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { WS_KEEPALIVE_MS: '6000' } });
  });
  afterAll(() => stack.close());

  it('gets the frames it was sent, its SLOW_SUBSCRIBER error and a 4413 close with its resume cursor when it reads again, never 1006', async () => {
    const taskSn = randomUUID();
    const slow = await rawSubscriber(stack.url, await stack.token(['viewer']));
    slow.subscribe('1', WITH_BULK, { taskSn });
    await sleep(200);
    slow.pause();
    const first = await postCallbacks(stack, taskSn, 'a', 150);
    await sleep(4000); // past the stall time: the gateway judges the reader slow and queues the close frame
    // Sent after the reader was judged slow: never queued for it.
    const late = await postCallbacks(stack, taskSn, 'late', 5);
    slow.resume();
    const close = await slow.closed;

    const { own, data, errors } = messagesOf(slow.received, '1');
    expect(data.length).toBeGreaterThan(0);
    expect(data.length).toBeLessThan(first.length);
    // The frames it was sent, in order, and nothing posted after the cut-off.
    expect(data.map((e) => e.callId)).toEqual(first.slice(0, data.length));
    const lastCursor = data[data.length - 1].cursor;
    expect(errors).toHaveLength(1);
    expect(errors[0].payload.errors[0].extensions).toEqual({ code: 'SLOW_SUBSCRIBER', resumeAfter: lastCursor });
    // The error and complete are the subscription's last messages; the close frame follows them.
    expect(own.slice(-2).map((m) => m.type)).toEqual(['next', 'complete']);
    expect(close).toEqual({ code: SLOW_READER_CLOSE_CODE, reason: `SLOW_SUBSCRIBER resumeAfter=${lastCursor}` });

    // Resuming after the cursor of the close reason misses nothing and repeats nothing.
    const resumed = await collect(stack.ws(), RESUME, { taskSn, after: lastCursor });
    const missed = [...first.slice(data.length), ...late];
    await resumed.waitFor(missed.length, 20_000);
    await sleep(200);
    expect(resumed.errors).toEqual([]);
    expect(resumed.events.map((e) => e.callId)).toEqual(missed);
    resumed.stop();
  }, 60_000);

  it('closes a graphql-ws client whose socket stopped reading with 4413 and the cursor, after its SLOW_SUBSCRIBER error', async () => {
    const taskSn = randomUUID();
    const sockets: WebSocket[] = [];
    class Recorded extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        sockets.push(this);
      }
    }
    const token = await stack.token(['viewer']);
    const client = createClient({
      url: `${stack.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: Recorded,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined, // the 4413 close, asserted below
    });
    const closes: { code: number; reason: string }[] = [];
    client.on('closed', (event) => closes.push(event as { code: number; reason: string }));
    const sub = await collect(client, WITH_BULK, { taskSn });
    expect(sockets).toHaveLength(1);
    const tcp = (sockets[0] as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    await postCallbacks(stack, taskSn, 'b', 150);
    await sleep(4000);
    tcp.resume();
    await until(() => closes.length > 0, 15_000);
    const delivered = sub.events as { cursor: string }[];
    const lastCursor = delivered[delivered.length - 1].cursor;
    expect(sub.errors).toEqual([expect.objectContaining({ extensions: { code: 'SLOW_SUBSCRIBER', resumeAfter: lastCursor } })]);
    expect(closes[0]).toMatchObject({ code: SLOW_READER_CLOSE_CODE, reason: `SLOW_SUBSCRIBER resumeAfter=${lastCursor}` });
    await client.dispose();
  }, 60_000);
});

describe('a socket with more than WS_MAX_BUFFERED_BYTES waiting (64 KiB; WS_KEEPALIVE_MS 60000, so no stall judgment)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { WS_MAX_BUFFERED_BYTES: '65536', WS_KEEPALIVE_MS: '60000' } });
  });
  afterAll(() => stack.close());

  it('is closed with 4413 as soon as a send finds the bound passed, each of its subscriptions ended with its own resume cursor', async () => {
    const taskSn = randomUUID();
    const slow = await rawSubscriber(stack.url, await stack.token(['viewer']));
    slow.subscribe('1', WITH_BULK, { taskSn });
    slow.subscribe('2', WITH_BULK, { taskSn });
    await sleep(200);
    slow.pause();
    const posted = await postCallbacks(stack, taskSn, 'c', 150);
    await sleep(500);
    slow.resume();
    const close = await slow.closed;
    expect(close.code).toBe(SLOW_READER_CLOSE_CODE);
    const cursors: string[] = [];
    for (const id of ['1', '2']) {
      const { own, data, errors } = messagesOf(slow.received, id);
      expect(data.length).toBeLessThan(posted.length);
      expect(data.map((e) => e.callId)).toEqual(posted.slice(0, data.length));
      const lastCursor = data[data.length - 1].cursor;
      expect(errors.map((m) => m.payload.errors[0].extensions)).toEqual([{ code: 'SLOW_SUBSCRIBER', resumeAfter: lastCursor }]);
      expect(own.slice(-2).map((m) => m.type)).toEqual(['next', 'complete']);
      cursors.push(lastCursor);
    }
    // The close reason names a cursor only when every subscription of the socket resumes from it.
    expect(close.reason).toBe(cursors[0] === cursors[1] ? `SLOW_SUBSCRIBER resumeAfter=${cursors[0]}` : 'SLOW_SUBSCRIBER');
  }, 60_000);
});

describe('WS_MAX_BUFFERED_BYTES', () => {
  it('defaults to 4 MiB, takes 0 (no byte bound), and refuses anything but a whole number naming the variable', () => {
    expect(loadConfig({}).wsMaxBufferedBytes).toBe(4 * 1024 * 1024);
    expect(loadConfig({ WS_MAX_BUFFERED_BYTES: '0' }).wsMaxBufferedBytes).toBe(0);
    expect(loadConfig({ WS_MAX_BUFFERED_BYTES: '65536' }).wsMaxBufferedBytes).toBe(65536);
    for (const bad of ['-1', '1.5', 'lots']) {
      expect(() => loadConfig({ WS_MAX_BUFFERED_BYTES: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ WS_MAX_BUFFERED_BYTES: bad })).toThrow(/WS_MAX_BUFFERED_BYTES/);
    }
  });
});
