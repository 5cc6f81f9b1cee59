import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import {
  coalescingWebSocketServer,
  SLOW_READER_CLOSE_CODE,
  slowReaderReason,
  type CoalescingWebSocket,
  type SlowReaderLimits,
} from '../src/subscriptions/coalescing-socket';
import { SharedFrames } from '../src/subscriptions/shared-frames';

/** A server of coalescing sockets, and a plain client connected to it; resolves with both ends. */
async function connected(frames?: SharedFrames, limits?: SlowReaderLimits) {
  const server = http.createServer();
  const wss = coalescingWebSocketServer({ server }, frames, limits);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const [socket] = (await once(wss, 'connection')) as [CoalescingWebSocket];
  await once(client, 'open');
  return {
    socket,
    client,
    async close() {
      client.terminate();
      wss.close();
      server.close();
    },
  };
}

describe('coalescing WebSocket writes', () => {
  it('completes sends at once below the high-water mark and delivers every frame whole and in order', async () => {
    const ends = await connected();
    const received: string[] = [];
    ends.client.on('message', (m) => received.push(m.toString()));
    let completedInTurn = 0;
    for (let i = 0; i < 200; i++) ends.socket.send(`{"n":${i}}`, () => completedInTurn++);
    expect(completedInTurn).toBe(200);
    while (received.length < 200) await new Promise((r) => setTimeout(r, 5));
    expect(received).toEqual(Array.from({ length: 200 }, (_, i) => `{"n":${i}}`));
    await ends.close();
  });

  it('pushes back on a reader that stopped: sends then complete only once written', async () => {
    const ends = await connected();
    (ends.client as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const big = 'x'.repeat(256 * 1024);
    let completed = 0;
    let sent = 0;
    // Fill the kernel buffers and the socket's own: at some point a send no longer completes in its turn.
    while (sent < 2000) {
      const before = completed;
      ends.socket.send(big, () => completed++);
      sent++;
      if (completed === before) break;
      await new Promise((r) => setImmediate(r));
    }
    expect(sent).toBeLessThan(2000);
    const pending = sent - completed;
    expect(pending).toBeGreaterThan(0);
    (ends.client as unknown as { _socket: { resume(): void } })._socket.resume();
    while (completed < sent) await new Promise((r) => setTimeout(r, 5));
    expect(completed).toBe(sent);
    await ends.close();
  });

  it('writes the shared bytes for a ticket of SharedFrames, and plain text for anything else', async () => {
    const frames = new SharedFrames();
    const ends = await connected(frames);
    const received: string[] = [];
    ends.client.on('message', (m, isBinary) => received.push(`${isBinary ? 'binary' : 'text'} ${m.toString()}`));
    const payload = frames.share({ data: { x: 'é' } });
    for (const id of ['1', '2']) ends.socket.send(JSON.stringify({ id, type: 'next', payload }, frames.replacer));
    ends.socket.send('{"type":"pong"}');
    while (received.length < 3) await new Promise((r) => setTimeout(r, 5));
    expect(received).toEqual([
      'text {"id":"1","type":"next","payload":{"data":{"x":"é"}}}',
      'text {"id":"2","type":"next","payload":{"data":{"x":"é"}}}',
      'text {"type":"pong"}',
    ]);
    await ends.close();
  });

  /** The client's socket, paused or resumed (it stops or starts reading its TCP socket). */
  const reading = (client: WebSocket, on: boolean) => {
    const socket = (client as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    if (on) socket.resume();
    else socket.pause();
  };

  /** Sends `big` until a send no longer completes in its turn (the kernel's buffers and the socket's are full). */
  async function fillUntilHeld(socket: CoalescingWebSocket, big: string, sent: string[]): Promise<void> {
    for (let i = 0; i < 2000; i++) {
      let completed = false;
      const frame = `${i}:${big}`;
      socket.send(frame, () => (completed = true));
      sent.push(frame);
      if (!completed) return;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error('the reader never pushed back');
  }

  it('closes a reader that stopped reading with 4413 behind the frames it was sent, and sends it nothing after', async () => {
    const ends = await connected(undefined, { maxBufferedBytes: 0, stallMs: 200, graceMs: 5000 });
    ends.socket.slowReaderEnd = () => ({ messages: ['{"last":"words"}'], reason: 'SLOW_SUBSCRIBER resumeAfter=42' });
    const received: string[] = [];
    ends.client.on('message', (m) => received.push(m.toString()));
    const closed = once(ends.client, 'close');
    reading(ends.client, false);
    const sent: string[] = [];
    await fillUntilHeld(ends.socket, 'x'.repeat(64 * 1024), sent);
    await new Promise((r) => setTimeout(r, 400)); // past stallMs with nothing written
    expect(ends.socket.slow).toBe(true);
    expect(ends.socket.readyState).toBe(WebSocket.CLOSING);
    let after: Error | undefined | 'pending' = 'pending';
    ends.socket.send('{"too":"late"}', (err) => (after = err));
    reading(ends.client, true);
    const [code, reason] = (await closed) as [number, Buffer];
    expect({ code, reason: reason.toString() }).toEqual({ code: SLOW_READER_CLOSE_CODE, reason: 'SLOW_SUBSCRIBER resumeAfter=42' });
    // Every frame queued before the cut-off, in order, then the end messages; nothing sent after it.
    expect(received).toEqual([...sent, '{"last":"words"}']);
    expect(after).toBeInstanceOf(Error);
    await ends.close();
  }, 30_000);

  it('judges a reader slow when a send finds more than maxBufferedBytes waiting, and does not queue that send', async () => {
    const ends = await connected(undefined, { maxBufferedBytes: 256 * 1024, stallMs: 60_000, graceMs: 5000 });
    const received: string[] = [];
    ends.client.on('message', (m) => received.push(m.toString()));
    const closed = once(ends.client, 'close');
    reading(ends.client, false);
    const sent: string[] = [];
    await fillUntilHeld(ends.socket, 'y'.repeat(64 * 1024), sent);
    // Sends that do not wait for the one before (one per subscription of a socket, say) pile up until the bound.
    let dropped = 0;
    for (let i = 0; i < 100 && !ends.socket.slow; i++) {
      const frame = `more ${i}`.padEnd(16 * 1024, '.');
      ends.socket.send(frame, () => undefined);
      if (ends.socket.slow) dropped++;
      else sent.push(frame);
    }
    expect(ends.socket.slow).toBe(true);
    expect(dropped).toBe(1);
    reading(ends.client, true);
    const [code, reason] = (await closed) as [number, Buffer];
    expect({ code, reason: reason.toString() }).toEqual({ code: SLOW_READER_CLOSE_CODE, reason: 'SLOW_SUBSCRIBER' });
    expect(received).toEqual(sent);
    await ends.close();
  }, 30_000);

  it('drops a slow reader that does not read up to the close frame within the grace', async () => {
    const ends = await connected(undefined, { maxBufferedBytes: 0, stallMs: 100, graceMs: 300 });
    const serverClosed = once(ends.socket, 'close');
    reading(ends.client, false);
    await fillUntilHeld(ends.socket, 'z'.repeat(64 * 1024), []);
    const started = Date.now();
    await serverClosed;
    expect(ends.socket.slow).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await ends.close();
  }, 30_000);

  it('never judges a reader that still reads (in bursts) slow, however long it pushes back', async () => {
    const ends = await connected(undefined, { maxBufferedBytes: 0, stallMs: 1500, graceMs: 5000 });
    let received = 0;
    ends.client.on('message', () => received++);
    // A reader that reads in bursts, never stopping for the stall time (with room for a busy event loop).
    reading(ends.client, false);
    const pacer = setInterval(() => {
      reading(ends.client, true);
      setTimeout(() => reading(ends.client, false), 50);
    }, 200);
    const big = 'w'.repeat(64 * 1024);
    let sent = 0;
    const deadline = Date.now() + 3500;
    while (Date.now() < deadline) {
      await new Promise<void>((resolve) => ends.socket.send(big, () => resolve()));
      sent++;
    }
    clearInterval(pacer);
    reading(ends.client, true);
    expect(ends.socket.slow).toBe(false);
    while (received < sent) await new Promise((r) => setTimeout(r, 5));
    expect(received).toBe(sent);
    await ends.close();
  }, 30_000);

  it('writes the resume cursor of a slow reader into its close reason when it fits in 123 bytes', () => {
    expect(slowReaderReason('1718000000000:42')).toBe('SLOW_SUBSCRIBER resumeAfter=1718000000000:42');
    expect(slowReaderReason(null)).toBe('SLOW_SUBSCRIBER');
    const long = 'c'.repeat(95);
    expect(Buffer.byteLength(slowReaderReason(long))).toBe(123);
    expect(slowReaderReason(`${long}c`)).toBe('SLOW_SUBSCRIBER');
  });

  it('knows the cursor of the last event message queued per subscription, from the announcements of its next messages', async () => {
    const frames = new SharedFrames();
    const ends = await connected(frames);
    const received: string[] = [];
    ends.client.on('message', (m) => received.push(m.toString()));
    for (const [id, cursor] of [
      ['1', '10'],
      ['2', '11'],
      ['1', '12'],
      ['2', undefined],
    ] as const) {
      ends.socket.expectNext(id, cursor);
      ends.socket.send(JSON.stringify({ id, type: 'next', payload: frames.share({ data: { c: cursor ?? null } }) }, frames.replacer));
    }
    ends.socket.send('{"type":"pong"}');
    expect([ends.socket.writtenCursor('1'), ends.socket.writtenCursor('2'), ends.socket.writtenCursor('3')]).toEqual([
      '12',
      '11',
      undefined,
    ]);
    while (received.length < 5) await new Promise((r) => setTimeout(r, 5));
    await ends.close();
  });
});
