import type { Principal } from '../auth/principal';
import type { Logger } from '../logger';
import { StoreUnavailableError, type Store } from '../store/store';

/** A lease lapses this long after its last renewal, so the sockets of a crashed instance free their slots. */
const LEASE_TTL_MS = 60_000;
const RENEW_EVERY_MS = LEASE_TTL_MS / 3;

const keyOf = (principal: Principal) => `ws:sockets:${principal.sub}`;

/**
 * WS_MAX_SOCKETS_PER_PRINCIPAL across every instance: each open socket holds a lease in the store
 * under its principal, renewed while it is open and given back when it closes. With the store
 * unreachable sockets are admitted (counting resumes when it is back).
 */
export class SocketLimits {
  /** Open sockets of this instance: lease key → socket ids. */
  private readonly open = new Map<string, Set<string>>();
  private readonly timer?: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly maxPerPrincipal: number,
    private readonly logger: Logger,
  ) {
    if (maxPerPrincipal > 0) {
      this.timer = setInterval(() => void this.renew(), RENEW_EVERY_MS);
      this.timer.unref();
    }
  }

  /** Takes a slot for a new socket; false when the principal holds the maximum already. */
  async admit(principal: Principal, socketId: string): Promise<boolean> {
    if (this.maxPerPrincipal <= 0) return true;
    const key = keyOf(principal);
    try {
      if (!(await this.store.acquireLease(key, socketId, this.maxPerPrincipal, LEASE_TTL_MS))) return false;
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      this.logger.warn({ reason: err.message }, 'socket limit cannot reach the store: socket admitted uncounted');
    }
    let ids = this.open.get(key);
    if (!ids) this.open.set(key, (ids = new Set()));
    ids.add(socketId);
    return true;
  }

  /** Gives the slot of a closed socket back. */
  async release(principal: Principal, socketId: string): Promise<void> {
    if (this.maxPerPrincipal <= 0) return;
    const key = keyOf(principal);
    const ids = this.open.get(key);
    if (!ids?.delete(socketId)) return;
    if (ids.size === 0) this.open.delete(key);
    await this.store.releaseLease(key, socketId).catch(() => undefined); // lapses by itself otherwise
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    for (const [key, ids] of this.open) {
      await this.store.renewLeases(key, [...ids], LEASE_TTL_MS).catch(() => undefined);
    }
  }
}
