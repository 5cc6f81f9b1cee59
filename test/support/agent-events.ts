import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway } from '../../src/app';
import { agentEventKey, isAgentEventBody, normalizeAgentEvent } from '../../src/subscriptions/agent-event';
import type { Sandbox } from '../../src/sandbox/server';

/**
 * Test-only stand-in for the event backbone's webhook receiver: takes the sandbox's agent-event
 * pushes, normalises them with the gateway's own normaliser and publishes them on the EventBus of
 * every given gateway (the backbone's fan-out does this for real).
 */
export class AgentEventRelay {
  private server?: http.Server;
  /** Every normalised body received, in arrival order. */
  readonly received: Record<string, unknown>[] = [];

  /** The gateways whose buses get the events (replace one to follow a restart). */
  constructor(readonly gateways: Gateway[]) {}

  async start(sandbox: Sandbox): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          if (isAgentEventBody(body)) {
            const data = normalizeAgentEvent(body);
            this.received.push(data);
            await Promise.all(this.gateways.map((g) => g.services.events.publish('agentEvent', agentEventKey(data), data)));
          }
          res.writeHead(200).end('ok');
        } catch (err) {
          res.writeHead(400).end((err as Error).message);
        }
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    sandbox.callbacks.configure({ hookUrl: url });
    return url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/** Resolves when `check` passes (polling), or rejects with its last error after `ms`. */
export async function eventually<T>(check: () => Promise<T>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
