import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { UpstreamUnavailableError } from '../errors';
import type { Logger } from '../logger';
import { StoreUnavailableError, type Store } from '../store/store';
import type { GatewayMetrics } from '../observability/metrics';
import { UpstreamRejectedError, upstreamOutcomeOf, type PlatformClock, type TokenSource, type UpstreamClient } from './http';
import { tokenSlot } from '../store/slots';

/** The platform re-issues a token only within the last 4 h of its 24 h life (spec "Get access token"). */
export const REFRESH_WINDOW_MS = 4 * 3600_000;
/** Below this much life left a token is not used at all: a refresh is awaited instead. */
const SAFETY_MARGIN_MS = 60_000;
/** The first wait after a failed token fetch; it doubles with each further failure. */
const BACKOFF_BASE_MS = 500;

export interface PlatformToken {
  token: string;
  /** Epoch ms in the platform's clock. */
  expireTime: number;
}

export interface TokenProviderOptions {
  /** Endpoint that issues this host's token: `auth.token` (JSON) or `notice.token` (form). */
  endpointId: 'auth.token' | 'notice.token';
  accessKeyId: string;
  accessKeySecret: string;
  client: UpstreamClient;
  store: Store;
  clock: PlatformClock;
  logger: Logger;
  /** How long one instance may hold the cross-instance refresh lock. */
  lockTtlMs: number;
  /** Longest wait between token fetch attempts after failures (default 60 s). */
  backoffMaxMs?: number;
  /** Counts token requests to the platform (gateway_token_requests_total). */
  metrics?: GatewayMetrics;
}

const serialize = (t: PlatformToken) => JSON.stringify({ token: t.token, expireTime: t.expireTime });

function parse(raw: string | null): PlatformToken | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as PlatformToken;
    return typeof v.token === 'string' && typeof v.expireTime === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One platform token per host and accessKeyId, shared by every gateway instance through the store.
 * - In-process single flight: concurrent callers in one process share one refresh.
 * - Cross-instance lock (SET NX PX, compare-and-delete release): one instance asks the platform,
 *   the others wait for its result in the store.
 * - Refresh only inside the window the platform allows (the last 4 h); until then the cached token
 *   is served, and within the window it is still served while a refresh runs in the background.
 * - A refused token is forgotten only if it is still the current one, so a burst of 403s causes
 *   one refresh.
 * - Store unreachable: the token lives in process until the store is back.
 * - Backoff: after a failed fetch no platform call is made for a while (500 ms, doubling per
 *   further failure, jittered, at most `backoffMaxMs`); meanwhile a `get()` that needs a fresh
 *   token fails at once with that failure (a token another instance put in the store is still
 *   taken). A success ends the backoff. Calls the client refused without a request (open
 *   circuit, full bulkhead) fail as well but do not lengthen it: the breaker already holds them.
 */
export class TokenProvider implements TokenSource {
  private current?: PlatformToken;
  private inflight?: Promise<PlatformToken>;
  /** Tokens the platform refused recently: never taken back from the store. */
  private readonly refused = new Set<string>();
  private storeDown = false;
  /** No background refresh before this (local ms): guards against a platform that re-issues the same token. */
  private quietUntil = 0;
  /** Failed fetches in a row, the last one, and the local ms before which no fetch is made. */
  private fetchFailures = 0;
  private lastFailure?: Error;
  private retryAt = 0;
  readonly key: string;
  private readonly lockKey: string;

  constructor(private readonly options: TokenProviderOptions) {
    this.key = tokenSlot(`${options.endpointId === 'auth.token' ? 'cc' : 'notice'}:${options.accessKeyId}`);
    this.lockKey = `${this.key}:lock`;
  }

  async get(): Promise<string> {
    let token = this.current;
    if (!token || this.remaining(token) <= SAFETY_MARGIN_MS) token = await this.refresh(token?.token);
    if (this.remaining(token) <= REFRESH_WINDOW_MS && Date.now() >= this.quietUntil && !this.backingOff()) {
      this.refresh(token.token).catch((err: Error) =>
        this.options.logger.warn({ endpoint: this.options.endpointId, reason: err.message }, 'background token refresh failed'),
      );
    }
    return token.token;
  }

  async invalidate(token: string): Promise<void> {
    this.refused.add(token);
    if (this.refused.size > 16) this.refused.delete(this.refused.values().next().value as string);
    if (this.current?.token !== token) return;
    const stale = this.current;
    this.current = undefined;
    try {
      await this.options.store.deleteIfEquals(this.key, serialize(stale));
    } catch (err) {
      this.noteStoreFailure(err);
    }
  }

  private remaining(token: PlatformToken): number {
    return token.expireTime - this.options.clock.now();
  }

  private usable(token: PlatformToken | undefined, stale: string | undefined): token is PlatformToken {
    return token !== undefined && token.token !== stale && !this.refused.has(token.token) && this.remaining(token) > SAFETY_MARGIN_MS;
  }

  /** Single flight per process: every concurrent caller shares one refresh. */
  private refresh(stale: string | undefined): Promise<PlatformToken> {
    this.inflight ??= this.obtain(stale).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async obtain(stale: string | undefined): Promise<PlatformToken> {
    const { store, lockTtlMs } = this.options;
    const deadline = Date.now() + lockTtlMs * 2;
    const lockId = randomUUID();
    for (;;) {
      let held = false;
      try {
        const shared = parse(await store.get(this.key));
        this.storeUp();
        if (this.usable(shared, stale)) return this.adopt(shared);
        // Backing off: fail now, without taking the lock other instances would wait for.
        this.throwIfBackingOff();
        held = await store.setIfAbsent(this.lockKey, lockId, lockTtlMs);
        if (held) {
          // Another instance may have finished between the read and the lock.
          const again = parse(await store.get(this.key));
          if (this.usable(again, stale)) return this.adopt(again);
          const fresh = await this.fetch(stale);
          if (fresh.token === stale) this.quietUntil = Date.now() + 30_000;
          const ttl = this.remaining(fresh);
          if (ttl > 0) await store.set(this.key, serialize(fresh), ttl);
          return this.adopt(fresh);
        }
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        this.noteStoreFailure(err);
        // Without the store there is nothing to share: this process asks for itself.
        return this.adopt(await this.fetch(stale));
      } finally {
        if (held) await store.deleteIfEquals(this.lockKey, lockId).catch((err) => this.noteStoreFailure(err));
      }
      if (Date.now() > deadline) throw new UpstreamUnavailableError(this.options.endpointId, 'token refresh lock not released');
      await sleep(20 + Math.random() * 30);
    }
  }

  private adopt(token: PlatformToken): PlatformToken {
    this.current = token;
    return token;
  }

  /** Asks the platform for a token: a refresh when it replaces one (`stale`), else a fetch. */
  private async fetch(stale: string | undefined): Promise<PlatformToken> {
    const { endpointId, accessKeyId, accessKeySecret, client, logger, metrics } = this.options;
    this.throwIfBackingOff();
    const kind = stale === undefined ? 'fetch' : 'refresh';
    let data: { token: string; expireTime: number | string } | undefined;
    let expireTime: number;
    try {
      ({ data } = await client.call<{ token: string; expireTime: number | string }>(endpointId, {
        body: { accessKeyId, accessKeySecret },
      }));
      expireTime = Number(data?.expireTime);
      if (!data || typeof data.token !== 'string' || !Number.isFinite(expireTime)) {
        throw new UpstreamUnavailableError(endpointId, 'token answer without token or expireTime');
      }
    } catch (err) {
      metrics?.token(kind, upstreamOutcomeOf(err));
      this.noteFetchFailure(err as Error);
      throw err;
    }
    metrics?.token(kind, 'ok');
    this.fetchFailures = 0;
    this.lastFailure = undefined;
    this.retryAt = 0;
    this.refused.delete(data.token);
    logger.info({ endpoint: endpointId, expireTime }, 'platform token obtained');
    return { token: data.token, expireTime };
  }

  private backingOff(): boolean {
    return this.lastFailure !== undefined && Date.now() < this.retryAt;
  }

  /** During a backoff, the failure that started it, as it was (UpstreamUnavailableError or UpstreamError). */
  private throwIfBackingOff(): void {
    if (this.lastFailure !== undefined && Date.now() < this.retryAt) throw this.lastFailure;
  }

  private noteFetchFailure(err: Error): void {
    if (err instanceof UpstreamRejectedError) return;
    const maxMs = this.options.backoffMaxMs ?? 60_000;
    this.fetchFailures++;
    const exponential = Math.min(maxMs, BACKOFF_BASE_MS * 2 ** Math.min(this.fetchFailures - 1, 30));
    const waitMs = Math.round(Math.min(maxMs, exponential * (0.75 + Math.random() * 0.5)));
    this.lastFailure = err;
    this.retryAt = Date.now() + waitMs;
    this.options.logger.warn(
      { endpoint: this.options.endpointId, failures: this.fetchFailures, backoffMs: waitMs, reason: err.message },
      'platform token fetch failed: no new attempt before the backoff ends',
    );
  }

  private storeUp(): void {
    if (this.storeDown) this.options.logger.info({ endpoint: this.options.endpointId }, 'token shared through the store again');
    this.storeDown = false;
  }

  private noteStoreFailure(err: unknown): void {
    if (!this.storeDown) {
      this.options.logger.warn(
        { endpoint: this.options.endpointId, reason: (err as Error).message },
        'store unreachable: token kept in process',
      );
    }
    this.storeDown = true;
  }
}
