import { BadInputError, CursorExpiredError } from '../errors';
import type { Logger } from '../logger';
import type { GatewayMetrics } from '../observability/metrics';
import type { Tracing } from '../observability/tracing';
import type { EventLogHead, Store, StreamEntry } from '../store/store';
import { formatCursor, isLogStart, parseLogCursor, type DeliveredEvent, type EventBus, type EventListener, type LogLoss } from './bus';

export interface StreamBusOptions {
  /** Every kind the log keeps, one stream each (EVENT_KIND_VALUES of src/events/kinds.ts). */
  kinds: readonly string[];
  /** Entries kept per kind (exactly; the newest one trimmed is recorded, see Store.appendEvent). */
  maxLenPerKind: number;
  /** How long an idempotency key is remembered (longer than the platform's retry window). */
  dedupeTtlMs: number;
  /** Append latency and the read loop's lag (gateway_event_*). */
  metrics?: GatewayMetrics;
  /** With tracing on, an event keeps the trace context of its callback (`tp`), and its delivery is a span in that trace. */
  tracing?: Tracing;
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
    cursor: formatCursor(entry.epoch, entry.id),
    receivedAt: new Date(Number(entry.fields.at)),
    data: decode(entry.fields.data),
  };
}

/** A page of a log after a client's cursor, known to be complete (see readAfterCursor). */
export interface CheckedPage {
  /** Entries of the cursor's generation, in id order. */
  entries: StreamEntry[];
  /** The cursor to read the next page after (the last entry read, or the one asked for, in its generation). */
  position: string;
  /** Whether the page was full: there may be more. */
  more: boolean;
}

/**
 * The entries of some streams after a client's cursor, refusing with CursorExpiredError a cursor
 * the log cannot continue without a gap: of another generation (the log was lost and began again),
 * ahead of the log (it went back), or with an entry after it trimmed away in any of the streams
 * (exact: each stream records the newest entry it trimmed; the shared sequence leaves gaps between
 * one stream's ids, so a first kept id above the cursor says nothing by itself). Each page is read
 * atomically with the head and the trim marks, so a trim between two pages is caught on the next.
 * "0" reads the current generation from its start.
 */
export async function readAfterCursor(
  store: Store,
  streams: string[],
  after: string,
  count: number,
  field = 'after',
): Promise<CheckedPage> {
  const at = parseLogCursor(after);
  if (!at) throw new BadInputError(field, 'must be a cursor received with an event');
  const page = await store.readEventLog(streams, String(at.seq), count);
  const { head } = page;
  const epoch = isLogStart(at) ? head.epoch : at.epoch;
  if (!isLogStart(at)) {
    if (head.epoch !== at.epoch) {
      throw new CursorExpiredError(
        field,
        'LOST',
        at.epoch === null ? 'it is from before the event log had generations' : 'the event log it belongs to was lost and began again',
      );
    }
    if (at.seq > Number(head.last)) throw new CursorExpiredError(field, 'LOST', 'the event log lost its latest events');
  }
  for (const stream of streams) {
    if (Number(page.trimmed[stream] ?? 0) > at.seq) {
      throw new CursorExpiredError(field, 'TRIMMED', 'events after it are no longer kept (EVENTS_MAXLEN_PER_KIND)');
    }
  }
  const last = page.entries.at(-1);
  return {
    entries: page.entries.filter((e) => e.epoch === epoch),
    position: formatCursor(epoch, last ? last.id : at.seq),
    more: page.entries.length >= count,
  };
}

/** One page of a subscription's replay. */
export interface ReplayPage {
  events: DeliveredEvent[];
  /** Where the next page starts (a cursor of the generation read; "0" while there is no log). */
  position: string;
  more: boolean;
}

/**
 * The durable event log and its fan-out: events are appended to one stream per kind in the store
 * (deduplicated by kind and idempotency key); every instance reads all streams with blocking
 * reads from its last id and hands each event, once and in id order, to its listeners.
 *
 * The log has generations (Store.eventLogHead): when the store loses its data (Redis restarted
 * without persistence, flushed) the next append begins a new generation whose ids start again. The
 * fan-out follows the generation it reads: an entry of another one, or a head of another one (read
 * after a failure and whenever a read waited in vain), and it reads the new log from its start, so
 * every event of the new log is handed out once and none of the old log's ids is taken for a new
 * event. A log that went back within its generation (a replica promoted without its latest
 * entries) is given a new generation (Store.renewEventLog) for the same reason.
 */
export class StreamEventBus implements EventBus {
  /** Listeners of every kind, and listeners by the kind they asked for (an event visits only its own). */
  private readonly listeners = new Set<EventListener>();
  private readonly listenersByKind = new Map<string, Set<EventListener>>();
  private readonly lossListeners = new Set<(loss: LogLoss) => void>();
  private running = false;
  private loop?: Promise<void>;
  /** The generation being read (null: the log has none, or none yet) and the last id handed out in it. */
  private epoch: string | null = null;
  private lastSeq = 0;
  /** The last entry handed out (its stream and idempotency key): after a failure, it must still be there. */
  private lastEntry?: { stream: string; id: string; epoch: string | null; key: string };
  /** Store.reconnects() when the log was last checked. */
  private reconnectsSeen = 0;
  /** Incremented whenever the fan-out moves to another generation (caughtUp's waits end with it). */
  private generation = 0;
  /** Whether the position is a real one in the log (not yet when the store was down at start). */
  private positioned = false;
  private lost?: LogLoss;
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
      await this.position();
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

  onLoss(listener: (loss: LogLoss) => void): () => void {
    this.lossListeners.add(listener);
    return () => void this.lossListeners.delete(listener);
  }

  /** The last loss of the log this instance saw (since it started), if any. */
  lastLoss(): LogLoss | undefined {
    return this.lost;
  }

  async publish(kind: string, key: string, data: object): Promise<string | null> {
    if (!this.kinds.has(kind)) throw new Error(`unknown event kind ${kind}`);
    const { metrics, tracing } = this.options;
    const fields: Record<string, string> = { kind, key, at: String(Date.now()), data: encode(data) };
    const traceparent = tracing?.traceparent();
    if (traceparent) fields.tp = traceparent;
    const started = performance.now();
    const appended = await this.store.appendEvent(
      streamOf(kind),
      `events:seen:${kind}:${key}`,
      this.options.dedupeTtlMs,
      this.options.maxLenPerKind,
      fields,
    );
    metrics?.eventAppended((performance.now() - started) / 1000);
    return appended && formatCursor(appended.epoch, appended.id);
  }

  /** Events of the given kinds after a cursor, oldest first (at most `count`); see replayPage. */
  async replay(kinds: readonly string[], after: string, count: number): Promise<DeliveredEvent[]> {
    return (await this.replayPage(kinds, after, count)).events;
  }

  /**
   * One page of the events of the given kinds after a cursor, oldest first; CursorExpiredError for
   * a cursor the log cannot continue without a gap (see readAfterCursor).
   */
  async replayPage(kinds: readonly string[], after: string, count: number): Promise<ReplayPage> {
    const page = await readAfterCursor(this.store, kinds.map(streamOf), after, count);
    return { events: page.entries.map(toDelivered), position: page.position, more: page.more };
  }

  /** Resolves once this instance has handed out every event appended before the call. */
  async caughtUp(timeoutMs = 10_000): Promise<void> {
    const head = await this.store.eventLogHead();
    const generation = this.generation;
    const deadline = Date.now() + timeoutMs;
    const last = Number(head.last);
    for (;;) {
      if (this.epoch === head.epoch && this.lastSeq >= last) return;
      // The fan-out moved past the generation of that head (lost since): nothing of it is left to hand out.
      if (this.generation !== generation && this.epoch !== head.epoch) return;
      if (Date.now() > deadline) throw new Error('event fan-out did not catch up in time');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** The cursor of the latest event in the log ("0" before the first). */
  async head(): Promise<string> {
    const head = await this.store.eventLogHead();
    return formatCursor(head.epoch, head.last);
  }

  async close(): Promise<void> {
    this.running = false;
    await this.loop;
    this.listeners.clear();
    this.listenersByKind.clear();
    this.lossListeners.clear();
  }

  private async position(): Promise<void> {
    this.reconnectsSeen = this.store.reconnects();
    const head = await this.store.eventLogHead();
    this.epoch = head.epoch;
    this.lastSeq = Number(head.last);
    this.positioned = true;
  }

  private async run(): Promise<void> {
    let failures = 0;
    /** Whether to compare the generation with the log's head before the next read. */
    let check = false;
    while (this.running) {
      try {
        if (!this.positioned) {
          // The store was down at start: go live from the log's end, not from its beginning.
          await this.position();
        } else {
          // A reconnect may be a failover to a replica that lacks the latest entries.
          const reconnects = this.store.reconnects();
          const reconnected = reconnects !== this.reconnectsSeen;
          this.reconnectsSeen = reconnects;
          if (failures > 0 || check || reconnected) await this.follow(failures > 0 || reconnected);
        }
        const entries = await this.store.waitEvents(this.streams, String(this.lastSeq), 1000, 1000);
        if (failures > 0) this.logger.info('event fan-out reading again');
        failures = 0;
        // A read that waited in vain may be waiting for ids a new log has not reached: check the head.
        check = entries.length === 0;
        // Behind by the age of the newest entry read now; nothing read: caught up.
        this.options.metrics?.eventReadBehind(entries.length === 0 ? 0 : (Date.now() - Number(entries.at(-1)!.fields.at)) / 1000);
        for (const entry of entries) {
          if (entry.epoch !== this.epoch && entry.epoch !== null) {
            check = true; // an entry of another generation: the head says where the new log starts
            break;
          }
          this.lastSeq = Number(entry.id);
          this.lastEntry = { stream: entry.stream, id: entry.id, epoch: entry.epoch, key: entry.fields.key };
          this.deliver(entry);
        }
      } catch (err) {
        if (failures++ === 0) this.logger.warn({ reason: (err as Error).message }, 'event fan-out cannot read the log; retrying');
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** failures, 2000)));
      }
    }
  }

  /**
   * Compares the generation read with the log's and moves to the log's when they differ. After a
   * failure or a reconnect (a failover is both) it also checks that the last entry handed out is
   * still there: a promoted replica that lacks it may already have handed its id out again.
   */
  private async follow(afterFailure: boolean): Promise<void> {
    const head = await this.store.eventLogHead();
    const last = Number(head.last);
    if (head.epoch === this.epoch) {
      if (last >= this.lastSeq && !(afterFailure && head.epoch !== null && (await this.lastEntryGone()))) return;
      if (head.epoch === null) {
        this.lastSeq = last; // a log without generations went back: follow it (it has no way to tell its ids apart)
        return;
      }
      // The same generation went back: ids handed out already will be handed out again.
      this.moveTo(await this.store.renewEventLog(head.epoch), 'the event log went back (a failover lost its latest events)');
      return;
    }
    if (this.epoch === null && head.epoch !== null && Number(head.start) >= this.lastSeq) {
      // The log's first generation (a new log, or one from before generations): nothing was lost.
      this.epoch = head.epoch;
      this.generation++;
      this.lastEntry = undefined;
      return;
    }
    this.moveTo(head, 'the event log was lost and began again (the store lost its data)');
  }

  /** Whether the last entry handed out is missing from its stream (not trimmed: lost) or another one holds its id. */
  private async lastEntryGone(): Promise<boolean> {
    const entry = this.lastEntry;
    if (!entry || entry.id !== String(this.lastSeq)) return false;
    const page = await this.store.readEventLog([entry.stream], String(Number(entry.id) - 1), 1);
    if (Number(page.trimmed[entry.stream] ?? 0) >= Number(entry.id)) return false;
    const found = page.entries[0];
    return !found || found.id !== entry.id || found.epoch !== entry.epoch || found.fields.key !== entry.key;
  }

  /** Reads another generation from its start (or waits for one to begin): the old one is lost. */
  private moveTo(head: EventLogHead, reason: string): void {
    const loss: LogLoss = { at: new Date(), from: this.epoch, to: head.epoch, reason };
    this.epoch = head.epoch;
    this.lastSeq = Number(head.epoch === null ? head.last : head.start);
    this.lastEntry = undefined;
    this.generation++;
    this.lost = loss;
    this.logger.error(
      { from: loss.from, to: loss.to, reason },
      'event log lost: live subscribers continue with the new log; older cursors are refused',
    );
    for (const listener of this.lossListeners) {
      try {
        listener(loss);
      } catch (err) {
        this.logger.error({ reason: (err as Error).message }, 'event log loss listener failed');
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
    const tracing = this.options.tracing;
    if (tracing) tracing.delivered(event.kind, entry.fields.tp, () => this.handOut(event));
    else this.handOut(event);
  }

  private handOut(event: DeliveredEvent): void {
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
