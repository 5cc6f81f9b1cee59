import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { coalescingWebSocketServer, type CoalescingWebSocket } from '../src/subscriptions/coalescing-socket';
import { SharedFrames } from '../src/subscriptions/shared-frames';

/** A server of coalescing sockets, and a plain client connected to it; resolves with both ends. */
async function connected(frames?: SharedFrames) {
  const server = http.createServer();
  const wss = coalescingWebSocketServer({ server }, frames);
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
});
