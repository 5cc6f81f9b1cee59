import type { Logger } from '../logger';
import type { Store, StreamEntry } from '../store/store';
import type { DeliveredEvent, EventBus, EventListener } from './bus';

export interface StreamBusOptions {
  /** Every kind the log keeps, one stream each (EVENT_KIND_VALUES of src/events/kinds.ts). */
  kinds: readonly string[];
  /** Entries kept per kind (MAXLEN ~). */
  maxLenPerKind: number;
  /** How long an idempotency key is remembered (longer than the platform's retry window). */
  dedupeTtlMs: number;
}

const streamOf = (kind: string) => `events:${kind}`;

/**
 * Dates survive the round trip through JSON as {"$date": ms}. Plain walks before stringify and after
 * parse: a replacer or reviver function would send every value of every event through a call.
 */
function withDatesAsJson(value: unknown): unknown {
  if (value instanceof Date) return { $date: value.getTime() };
  if (Array.isArray(value)) return value.map(withDatesAsJson);
  if (value && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = withDatesAsJson((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

function withDatesRevived(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = withDatesRevived(value[i]);
    return value;
  }
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && keys[0] === '$date' && typeof record.$date === 'number') return new Date(record.$date);
    for (const key of keys) record[key] = withDatesRevived(record[key]);
  }
  return value;
}

function encode(data: object): string {
  return JSON.stringify(withDatesAsJson(data));
}

function decode(text: string): Record<string, unknown> {
  return withDatesRevived(JSON.parse(text)) as Record<string, unknown>;
}

export function toDelivered(entry: StreamEntry): DeliveredEvent {
  return {
    kind: entry.fields.kind,
    key: entry.fields.key,
    cursor: entry.id,
    receivedAt: new Date(Number(entry.fields.at)),
    data: decode(entry.fields.data),
  };
}

/**
 * The durable event log and its fan-out: events are appended to one stream per kind in the store
 * (deduplicated by kind and idempotency key); every instance reads all streams with blocking
 * reads from its last id and hands each event, once and in id order, to its listeners.
 */
export class StreamEventBus implements EventBus {
  /** Listeners of every kind, and listeners by the kind they asked for (an event visits only its own). */
  private readonly listeners = new Set<EventListener>();
  private readonly listenersByKind = new Map<string, Set<EventListener>>();
  private running = false;
  private loop?: Promise<void>;
  private lastId = '0';
  /** Whether lastId is a real position in the log (not yet when the store was down at start). */
  private positioned = false;
  private readonly kinds: ReadonlySet<string>;
  private readonly streams: string[];

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly options: StreamBusOptions,
  ) {
    this.kinds = new Set(options.kinds);
    this.streams = [...this.kinds].map(streamOf);
  }

  /** Starts the fan-out from the current end of the log (history is read through `replay`). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      this.lastId = await this.store.lastEventId();
      this.positioned = true;
    } catch (err) {
      this.logger.warn({ reason: (err as Error).message }, 'event log unreachable at start; fan-out retries');
    }
    this.loop = this.run();
  }

  subscribe(listener: EventListener, kinds?: Iterable<string>): () => void {
    if (!kinds) {
      this.listeners.add(listener);
      return () => void this.listeners.delete(listener);
    }
    const sets = [...new Set(kinds)].map((kind) => {
      let set = this.listenersByKind.get(kind);
      if (!set) this.listenersByKind.set(kind, (set = new Set()));
      return set;
    });
    for (const set of sets) set.add(listener);
    return () => {
      for (const set of sets) set.delete(listener);
    };
  }

  async publish(kind: string, key: string, data: object): Promise<string | null> {
    if (!this.kinds.has(kind)) throw new Error(`unknown event kind ${kind}`);
    return this.store.appendEvent(streamOf(kind), `events:seen:${kind}:${key}`, this.options.dedupeTtlMs, this.options.maxLenPerKind, {
      kind,
      key,
      at: String(Date.now()),
      data: encode(data),
    });
  }

  /** Events of the given kinds after a cursor, oldest first (at most `count`). */
  async replay(kinds: readonly string[], after: string, count: number): Promise<DeliveredEvent[]> {
    const entries = await this.store.readEvents(kinds.map(streamOf), after, count);
    return entries.map(toDelivered);
  }

  /** Resolves once this instance has handed out every event appended before the call. */
  async caughtUp(timeoutMs = 10_000): Promise<void> {
    const head = Number(await this.store.lastEventId());
    const deadline = Date.now() + timeoutMs;
    while (Number(this.lastId) < head) {
      if (Date.now() > deadline) throw new Error('event fan-out did not catch up in time');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** The cursor of the latest event in the log. */
  head(): Promise<string> {
    return this.store.lastEventId();
  }

  async close(): Promise<void> {
    this.running = false;
    await this.loop;
    this.listeners.clear();
    this.listenersByKind.clear();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        // After an outage the log may have been lost (Redis without persistence) and restarted its
        // sequence: read the new log from its start rather than waiting for ids it will not reach.
        if (!this.positioned) {
          // The store was down at start: go live from the log's end, not from its beginning.
          this.lastId = await this.store.lastEventId();
          this.positioned = true;
        } else if (failures > 0 && Number(await this.store.lastEventId()) < Number(this.lastId)) this.lastId = '0';
        const entries = await this.store.waitEvents(this.streams, this.lastId, 1000, 1000);
        if (failures > 0) this.logger.info('event fan-out reading again');
        failures = 0;
        for (const entry of entries) {
          this.lastId = entry.id;
          this.deliver(entry);
        }
      } catch (err) {
        if (failures++ === 0) this.logger.warn({ reason: (err as Error).message }, 'event fan-out cannot read the log; retrying');
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** failures, 2000)));
      }
    }
  }

  private deliver(entry: StreamEntry): void {
    let event: DeliveredEvent;
    try {
      event = toDelivered(entry);
    } catch (err) {
      this.logger.error({ cursor: entry.id, reason: (err as Error).message }, 'unreadable event in the log skipped');
      return;
    }
    this.notify(this.listeners, event);
    const ofKind = this.listenersByKind.get(event.kind);
    if (ofKind) this.notify(ofKind, event);
  }

  private notify(listeners: Set<EventListener>, event: DeliveredEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ kind: event.kind, reason: (err as Error).message }, 'event listener failed');
      }
    }
  }
}
