import { randomUUID } from 'node:crypto';
import type { SandboxClock } from './clock';

export const TOKEN_LIFETIME_MS = 24 * 3600_000;
export const TOKEN_REFRESH_WINDOW_MS = 4 * 3600_000;

interface Issued {
  token: string;
  expireTime: number;
}

/**
 * Token rules of the platform (spec "Get access token"): valid 24 h; asking again within the last
 * 4 h before expiry issues a new token (the old one stops working); asking earlier returns the same
 * token and expiry. Each host that has its own token (cc, notice) has its own registry.
 */
export class TokenRegistry {
  private readonly current = new Map<string, Issued>();
  private readonly valid = new Map<string, Issued>();
  issuedCount = 0;

  constructor(private readonly clock: SandboxClock) {}

  issue(accessKeyId: string): Issued {
    const now = this.clock.now();
    const existing = this.current.get(accessKeyId);
    if (existing && existing.expireTime - now > TOKEN_REFRESH_WINDOW_MS) return existing;
    if (existing) this.valid.delete(existing.token);
    const fresh = { token: randomUUID(), expireTime: now + TOKEN_LIFETIME_MS };
    this.current.set(accessKeyId, fresh);
    this.valid.set(fresh.token, fresh);
    this.issuedCount++;
    return fresh;
  }

  isValid(token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const issued = this.valid.get(token);
    return issued !== undefined && issued.expireTime > this.clock.now();
  }

  /** Forgets every token, as a platform restart would: the next token request issues a new one. */
  revokeAll(): void {
    this.current.clear();
    this.valid.clear();
  }
}
