import { SlowSubscriberError } from '../errors';
import type { GatewayContext } from '../context';
import type { DeliveredEvent } from './bus';
import { visibleTo } from './visibility';

export interface EventStreamOptions {
  kinds: readonly string[];
  /** Resume after this cursor: replay what was missed from the log, then go live. */
  after?: string | null;
  filter?: (event: DeliveredEvent) => boolean;
}

/** What a subscription resolver receives: the event as GraphQL types read it. */
export type EventPayload = Record<string, unknown> & { cursor: string; receivedAt: Date; kind: string };

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
const payloads = new WeakMap<DeliveredEvent, EventPayload>();

function toPayload(event: DeliveredEvent): EventPayload {
  let payload = payloads.get(event);
  if (!payload) {
    payload = { ...event.data, cursor: event.cursor, receivedAt: event.receivedAt, kind: event.kind };
    payloads.set(event, payload);
  }
  return payload;
}

/**
 * A subscription's events: first the ones after `after` from the log (page by page, as the client
 * reads), then live ones from the fan-out, with none twice and none missed at the seam. Live events
 * wait in a bounded buffer; a subscriber that lets it overflow gets one Overflow item and the end.
 */
export function eventStream(ctx: GatewayContext, options: EventStreamOptions): AsyncIterableIterator<EventPayload | Overflow> {
  const bus = ctx.services.events;
  const limit = ctx.services.config.eventBufferSize;
  const kinds = new Set(options.kinds);
  // Live events and replay pages hold only these kinds (the bus and the log filter by kind).
  const accept = (e: DeliveredEvent) => visibleTo(ctx.principal, e);
  const pass = (e: DeliveredEvent | undefined): e is DeliveredEvent => e !== undefined && (!options.filter || options.filter(e));

  let replaying = options.after !== undefined && options.after !== null;
  /** Log position the replay has read up to; live events at or before it were (or will be) replayed. */
  let replayedUpTo = replaying ? Number(options.after) : 0;
  let lastDelivered: string | null = replaying ? String(options.after) : null;
  const replayed: DeliveredEvent[] = [];
  const live = new Queue<DeliveredEvent>();
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

  const end = (): IteratorResult<EventPayload | Overflow> => {
    finished = true;
    unsubscribe();
    wake?.();
    return { value: undefined, done: true };
  };

  const deliver = (event: DeliveredEvent): IteratorResult<EventPayload | Overflow> => {
    lastDelivered = event.cursor;
    return { value: toPayload(event), done: false };
  };

  async function next(): Promise<IteratorResult<EventPayload | Overflow>> {
    while (!finished) {
      if (replaying) {
        if (replayed.length === 0) {
          const page = await bus.replay([...kinds], String(replayedUpTo), REPLAY_PAGE);
          if (page.length > 0) replayedUpTo = Number(page[page.length - 1].cursor);
          for (const raw of page) {
            const event = accept(raw);
            if (pass(event)) replayed.push(event);
          }
          if (page.length < REPLAY_PAGE) replaying = false;
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
        if (Number(event.cursor) <= replayedUpTo) continue; // already replayed
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
export function payloadOrEnd<T>(value: EventPayload | Overflow): T {
  if (isOverflow(value)) throw new SlowSubscriberError(value.resumeAfter);
  return value as unknown as T;
}
