import { SlowSubscriberError } from '../errors';
import type { GatewayContext } from '../context';
import { parseLogCursor, type DeliveredEvent, type EventPayload } from './bus';
import { visibleTo } from './visibility';

/**
 * A stream of the events E of some kinds. E is the typed event of those kinds (KindEvent<K> of
 * src/events/kinds.ts): the bus hands out only events of the kinds asked for, each with the data
 * its kind's normaliser made, so the filter and the payloads are typed by kind.
 */
export interface EventStreamOptions<E extends DeliveredEvent<string, object> = DeliveredEvent> {
  kinds: readonly E['kind'][];
  /** Resume after this cursor: replay what was missed from the log, then go live. */
  after?: string | null;
  filter?: (event: E) => boolean;
}

export type { EventPayload };

/** The last item of a subscription that fell behind: its resolver raises SlowSubscriberError. */
export interface Overflow {
  overflow: true;
  resumeAfter: string | null;
}

export function isOverflow(value: unknown): value is Overflow {
  return typeof value === 'object' && value !== null && (value as Overflow).overflow === true;
}

const REPLAY_PAGE = 200;

/** FIFO without Array#shift's O(n) per take: a subscriber that is behind can hold thousands of events. */
class Queue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/** Payloads by event: every subscriber of an event gets the same (read-only) object. */
const payloads = new WeakMap<DeliveredEvent<string, object>, unknown>();

function toPayload<E extends DeliveredEvent<string, object>>(event: E): EventPayload<E> {
  let payload = payloads.get(event) as EventPayload<E> | undefined;
  if (!payload) {
    payload = {
      ...event.data,
      cursor: event.cursor,
      receivedAt: event.receivedAt,
      kind: event.kind,
      platformKind: event.kind,
    } as EventPayload<E>;
    payloads.set(event, payload);
  }
  return payload;
}

/**
 * A subscription's events: first the ones after `after` from the log (page by page, as the client
 * reads), then live ones from the fan-out, with none twice and none missed at the seam. Live events
 * wait in a bounded buffer; a subscriber that lets it overflow gets one Overflow item and the end.
 * A cursor the log cannot continue from without a gap (of a log lost since, or older than what is
 * kept) ends the subscription with CURSOR_EXPIRED, also when that happens between two replay pages.
 * Live events of a newer generation of the log (after a loss) are passed on: the fan-out hands out
 * each event of the new log once.
 */
export function eventStream<E extends DeliveredEvent<string, object> = DeliveredEvent>(
  ctx: GatewayContext,
  options: EventStreamOptions<E>,
): AsyncIterableIterator<EventPayload<E> | Overflow> {
  type Item = EventPayload<E> | Overflow;
  const bus = ctx.services.events;
  const limit = ctx.services.config.eventBufferSize;
  const kinds = new Set<string>(options.kinds);
  // Live events and replay pages hold only these kinds (the bus and the log filter by kind): events E.
  const accept = (e: DeliveredEvent) => visibleTo(ctx.principal, e as unknown as E);
  const pass = (e: E | undefined): e is E => e !== undefined && (!options.filter || options.filter(e));

  let replaying = options.after !== undefined && options.after !== null;
  /** The cursor the next replay page starts after. */
  let position = replaying ? String(options.after) : '0';
  /**
   * Log position the replay has read up to (generation and id; undefined without a replay): live
   * events of that generation at or before it were (or will be) replayed.
   */
  let replayedIn: string | null | undefined;
  let replayedUpTo = 0;
  let lastDelivered: string | null = replaying ? String(options.after) : null;
  const replayed: E[] = [];
  const live = new Queue<E>();
  let finished = false;
  let overflowed = false;
  let wake: (() => void) | undefined;

  const unsubscribe = bus.subscribe((raw) => {
    if (finished || overflowed) return;
    const event = accept(raw);
    if (!pass(event)) return;
    if (live.length >= limit) {
      overflowed = true;
      live.clear();
      unsubscribe();
    } else live.push(event);
    wake?.();
  }, kinds);

  const end = (): IteratorResult<Item> => {
    finished = true;
    unsubscribe();
    wake?.();
    return { value: undefined, done: true };
  };

  const deliver = (event: E): IteratorResult<Item> => {
    lastDelivered = event.cursor;
    return { value: toPayload(event), done: false };
  };

  const wasReplayed = (cursor: string): boolean => {
    if (replayedIn === undefined) return false;
    const at = parseLogCursor(cursor);
    return at !== undefined && at.epoch === replayedIn && at.seq <= replayedUpTo;
  };

  async function next(): Promise<IteratorResult<Item>> {
    try {
      return await step();
    } catch (err) {
      end();
      throw err; // CURSOR_EXPIRED, or the log unreachable during the replay
    }
  }

  async function step(): Promise<IteratorResult<Item>> {
    while (!finished) {
      if (replaying) {
        if (replayed.length === 0) {
          const page = await bus.replayPage([...kinds], position, REPLAY_PAGE);
          position = page.position;
          const at = parseLogCursor(position)!;
          replayedIn = at.epoch;
          replayedUpTo = at.seq;
          for (const raw of page.events) {
            const event = accept(raw);
            if (pass(event)) replayed.push(event);
          }
          if (!page.more) replaying = false;
        }
        const event = replayed.shift();
        if (event) return deliver(event);
        continue;
      }
      if (replayed.length > 0) return deliver(replayed.shift()!);
      if (overflowed) {
        finished = true;
        return { value: { overflow: true, resumeAfter: lastDelivered }, done: false };
      }
      const event = live.shift();
      if (event) {
        if (wasReplayed(event.cursor)) continue; // already replayed
        return deliver(event);
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    return end();
  }

  return {
    next,
    return: async () => end(),
    throw: async (err) => {
      end();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** In a subscription resolver: the payload, or the end of a subscriber that fell behind. */
export function payloadOrEnd<P>(value: P | Overflow): P {
  if (isOverflow(value)) throw new SlowSubscriberError(value.resumeAfter);
  return value;
}
