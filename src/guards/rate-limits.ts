import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Principal } from '../auth/principal';
import type { Config } from '../config';
import { RateLimitedError } from '../errors';
import type { Logger } from '../logger';
import { RedisStore } from '../store/redis';
import { StoreUnavailableError, type Store } from '../store/store';

export type RateLimitName = 'operations' | 'billedCalls' | 'authFailures';

const WINDOW_SECONDS = 60;

/** What each limit counts, for its refusal message. */
const COUNTED: Record<RateLimitName, string> = {
  operations: 'operations',
  billedCalls: 'billed platform calls',
  authFailures: 'requests without a valid token from this address',
};

/**
 * Per-principal rate limits shared by every instance (rate-limiter-flexible on the store's Redis
 * connection, in process on the memory store): operations per minute, and billed platform calls
 * (lookups, SMS and flash messages, outbound calls) per minute. With Redis unreachable the
 * operations limit lets requests through (reads keep working) and the billed limit refuses (nothing
 * billed happens uncounted).
 */
export class RateLimits {
  private readonly limiters: Partial<Record<RateLimitName, RateLimiterAbstract>> = {};
  private readonly exempt: ReadonlySet<string>;
  private reportedDown = false;

  constructor(
    store: Store,
    settings: Config['rateLimits'],
    private readonly logger: Logger,
  ) {
    this.exempt = new Set(settings.exemptRoles);
    this.chunkSize = Math.max(1, Math.floor(settings.operationsPerMinute / 60));
    const make = (name: RateLimitName, points: number) => {
      if (points <= 0) return;
      const options = { keyPrefix: `rl:${name}`, points, duration: WINDOW_SECONDS };
      this.limiters[name] =
        store instanceof RedisStore
          ? new RateLimiterRedis({ ...options, storeClient: store.client, rejectIfRedisNotReady: true })
          : new RateLimiterMemory(options);
    };
    make('operations', settings.operationsPerMinute);
    make('billedCalls', settings.billedPerMinute);
    make('authFailures', settings.authFailuresPerMinute);
  }

  /**
   * Counts a request without a valid token from a client address; throws RateLimitedError once the
   * address sent too many (a token guesser, a misconfigured client). Open when the store is down.
   */
  authFailure(address: string): Promise<void> {
    return this.consume('authFailures', address || 'unknown', 1);
  }

  /**
   * Operations are taken from the shared budget in chunks of 1/60 of it (10 of the default 600),
   * spent here one by one: one Redis round trip per chunk, not per operation (about a tenth of a
   * plain query's CPU otherwise). Nothing is admitted beyond the budget; at most one chunk per
   * instance and principal goes unused when a window ends or the principal moves to another one.
   */
  private readonly chunks = new Map<string, { left: number; until: number }>();
  private readonly taking = new Map<string, Promise<void>>();
  private readonly chunkSize: number;

  /** Counts one operation of the principal; throws RateLimitedError when its minute's budget is spent. */
  async operation(principal: Principal): Promise<void> {
    if (!this.applies(principal)) return;
    if (this.chunkSize === 1 || !this.limiters.operations) return this.consume('operations', principal.sub, 1);
    for (;;) {
      const held = this.chunks.get(principal.sub);
      if (held && held.left > 0 && held.until > Date.now()) {
        held.left--;
        return;
      }
      // One chunk request per principal at a time; the others wait for it and spend from it.
      let taking = this.taking.get(principal.sub);
      if (!taking) {
        taking = this.takeChunk(principal).finally(() => this.taking.delete(principal.sub));
        this.taking.set(principal.sub, taking);
      }
      await taking;
    }
  }

  private async takeChunk(principal: Principal): Promise<void> {
    if (this.chunks.size > 10_000) for (const [k, c] of this.chunks) if (c.until <= Date.now()) this.chunks.delete(k);
    for (const size of [this.chunkSize, 1]) {
      try {
        const res = await this.limiters.operations!.consume(principal.sub, size);
        this.chunks.set(principal.sub, { left: size, until: Date.now() + res.msBeforeNext });
        return;
      } catch (res) {
        // Less than a chunk left in this window: one at a time.
        if (res instanceof RateLimiterRes && size > 1) continue;
        this.refusal('operations', res, 1);
        // The store is down (operations fail open): one operation admitted uncounted.
        this.chunks.set(principal.sub, { left: 1, until: Date.now() + 1000 });
        return;
      }
    }
  }

  /** Counts `units` billed platform calls; throws RateLimitedError over budget, StoreUnavailableError when they cannot be counted. */
  async billed(principal: Principal, units: number): Promise<void> {
    if (this.applies(principal)) await this.consume('billedCalls', principal.sub, units);
  }

  /** Whether the principal is counted at all (RATE_LIMIT_EXEMPT_ROLES). */
  applies(principal: Principal): boolean {
    return !principal.roles.some((r) => this.exempt.has(r));
  }

  private async consume(name: RateLimitName, key: string, units: number): Promise<void> {
    const limiter = this.limiters[name];
    if (!limiter || units <= 0) return;
    try {
      await limiter.consume(key, units);
      this.reportedDown = false;
    } catch (res) {
      this.refusal(name, res, units);
    }
  }

  /** Throws what a failed consume means: RateLimitedError over budget, StoreUnavailableError for billed calls it could not count. */
  private refusal(name: RateLimitName, res: unknown, units: number): void {
    if (res instanceof RateLimiterRes) {
      const retryAfterSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      const budget = this.limiters[name]!.points;
      throw new RateLimitedError(
        name,
        retryAfterSeconds,
        units > budget
          ? `This needs ${units} ${COUNTED[name]}, more than the budget of ${budget} per minute`
          : `Rate limit reached: ${budget} ${COUNTED[name]} per minute; try again in ${retryAfterSeconds} s`,
      );
    }
    if (!this.reportedDown) this.logger.warn({ limit: name, reason: (res as Error)?.message }, 'rate limiter cannot reach the store');
    this.reportedDown = true;
    // Fail closed for what the platform bills, open for everything else (operations, auth failures).
    if (name === 'billedCalls') throw new StoreUnavailableError(res);
  }
}
