import type { Gateway } from '../../src/app';
import { isAgentEventBody, normalizeAgentEvent } from '../../src/subscriptions/agent-event';
import type { Sandbox } from '../../sandbox/server';

/**
 * Points the sandbox's pushes at the first gateway's real webhook receiver (the others get the
 * events through the event log's fan-out) and shows what the platform pushed, normalised.
 */
export class AgentEventRelay {
  private sandbox?: Sandbox;

  /** The gateways of the test (the first receives the pushes). */
  constructor(readonly gateways: Gateway[]) {}

  /** Every agent event the sandbox delivered, normalised, in push order. */
  get received(): Record<string, unknown>[] {
    return (this.sandbox?.callbacks.list() ?? [])
      .filter((r) => r.delivered && isAgentEventBody(r.body))
      .map((r) => normalizeAgentEvent(r.body));
  }

  async start(sandbox: Sandbox): Promise<string> {
    this.sandbox = sandbox;
    const gateway = this.gateways[0];
    const url = `${gateway.url}/hooks/${gateway.services.config.hookSecret}`;
    sandbox.callbacks.configure({ hookUrl: url });
    return url;
  }

  async close(): Promise<void> {
    this.sandbox = undefined;
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
