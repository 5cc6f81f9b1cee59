import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendErrors } from './respond';

/**
 * The HTTP requests being answered (WebSocket upgrades are not requests here), so that a stopping
 * gateway can wait for them and, at its deadline, answer those still open with a GraphQL error
 * instead of closing their sockets under them.
 */
export class InFlightRequests {
  private readonly open = new Map<ServerResponse, IncomingMessage>();
  private emptied: (() => void) | undefined;

  /** Counts the request until its response is finished or its connection closed. */
  track(req: IncomingMessage, res: ServerResponse): void {
    this.open.set(res, req);
    res.once('close', () => {
      this.open.delete(res);
      if (this.open.size === 0) this.emptied?.();
    });
  }

  get size(): number {
    return this.open.size;
  }

  /** Resolves true once no request is open, or false after `ms` with some still open. */
  settle(ms: number): Promise<boolean> {
    if (this.open.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.emptied = undefined;
        resolve(false);
      }, ms);
      this.emptied = () => {
        clearTimeout(timer);
        this.emptied = undefined;
        resolve(true);
      };
    });
  }

  /**
   * Answers every request still open with 503 and an `UNAVAILABLE` GraphQL error (its connection
   * closed after the answer); one whose answer had already begun can only be cut. Returns how many.
   */
  cutOff(message: string): number {
    const cut = this.open.size;
    for (const [res, req] of this.open) {
      if (res.headersSent) {
        res.destroy();
        continue;
      }
      res.setHeader('connection', 'close');
      res.setHeader('retry-after', '1');
      sendErrors(req, res, 503, message, { code: 'UNAVAILABLE' });
    }
    return cut;
  }
}
