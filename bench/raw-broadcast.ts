/**
 * The baseline server of bench:events, run as its own process like the gateway: an HTTP handler
 * that broadcasts each posted callback, as a graphql-ws style `next` frame, to every plain `ws`
 * socket connected. RAW_COALESCE=1 gives its sockets the gateway's coalesced writes.
 * Prints `{"port":N}` once listening.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { coalescingWebSocketServer } from '../src/subscriptions/coalescing-socket';

const server = http.createServer();
const wss = process.env.RAW_COALESCE === '1' ? coalescingWebSocketServer({ server }) : new WebSocketServer({ server });

server.on('request', (req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const parsed = JSON.parse(body);
    const frame = JSON.stringify({
      id: '1',
      type: 'next',
      payload: { data: { callEnded: { callId: parsed.callId, userData: parsed.userData } } },
    });
    for (const client of wss.clients) client.send(frame);
    res.end('{"code":0}');
  });
});

server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => process.exit(0));
