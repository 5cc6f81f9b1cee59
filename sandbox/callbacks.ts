import { request } from 'undici';

export type CallbackEncoding = 'json' | 'form';

export interface PushRecord {
  id: number;
  kind: string;
  body: Record<string, unknown>;
  encoding: CallbackEncoding;
  attempts: { at: number; status: number | 'error' }[];
  delivered: boolean;
}

export interface CallbackOptions {
  /** The customer's callback URL; pushes wait until one is configured. */
  hookUrl?: string;
  /** Pause between attempts after a non-200 (the platform waits 5 minutes). */
  retryIntervalMs: number;
  /** Retries after the first attempt (the platform makes 3). */
  maxRetries: number;
}

function formEncode(body: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) {
    if (v === undefined || v === null) continue;
    params.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  return params.toString();
}

/**
 * Pushes callbacks to the customer URL the way the platform does: POST, HTTP 200 means delivered,
 * anything else (or no answer) is tried again after an interval, a fixed number of times.
 */
export class CallbackPusher {
  private readonly records: PushRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextId = 1;
  private closed = false;

  constructor(readonly options: CallbackOptions) {}

  configure(patch: Partial<CallbackOptions>): CallbackOptions {
    Object.assign(this.options, patch);
    return this.options;
  }

  push(kind: string, body: Record<string, unknown>, encoding: CallbackEncoding = 'json'): PushRecord {
    const record: PushRecord = { id: this.nextId++, kind, body, encoding, attempts: [], delivered: false };
    this.records.push(record);
    if (this.records.length > 10_000) this.records.splice(0, this.records.length - 10_000);
    void this.attempt(record);
    return record;
  }

  list(): PushRecord[] {
    return this.records;
  }

  private async attempt(record: PushRecord): Promise<void> {
    if (this.closed) return;
    const url = this.options.hookUrl;
    let status: number | 'error' = 'error';
    if (url) {
      try {
        const res = await request(url, {
          method: 'POST',
          headers: { 'content-type': record.encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded' },
          body: record.encoding === 'json' ? JSON.stringify(record.body) : formEncode(record.body),
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        status = res.statusCode;
        await res.body.dump();
      } catch {
        status = 'error';
      }
    }
    record.attempts.push({ at: Date.now(), status });
    if (status === 200) {
      record.delivered = true;
      return;
    }
    if (record.attempts.length > this.options.maxRetries || this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(record);
    }, this.options.retryIntervalMs);
    timer.unref();
    this.timers.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
