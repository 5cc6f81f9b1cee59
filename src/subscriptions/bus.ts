/**
 * The contract between the event backbone (webhook receiver → durable log → fan-out) and the
 * features that consume platform events (subscriptions, live agent state, toolbar replies). The
 * kinds of event and the type of each kind's data are the kind map's (src/events/kinds.ts: its
 * KindEvent<K> is a DeliveredEvent typed by kind); this module stays below it and knows none.
 */

/** One platform event as every gateway instance sees it after fan-out. */
export interface DeliveredEvent<K extends string = string, D extends object = Record<string, unknown>> {
  /** The event's kind (a key of the kind map: `taskStatus`, `CallEnd`, `agentEvent`, `sms`, …, `ivrDecision`). */
  kind: K;
  /** Position in the durable log ("<generation>:<sequence>", see formatCursor); resume after it with `after: cursor`. */
  cursor: string;
  /** Idempotency key from the kind's identifying fields. */
  key: string;
  receivedAt: Date;
  /** The normalised event: English camelCase names, Date values, numbers as numbers. */
  data: D;
}

/** What a subscription resolver receives: the event's data with its place in the log and its kind. */
export type EventPayload<E extends DeliveredEvent<string, object> = DeliveredEvent> =
  E extends DeliveredEvent<infer K, infer D>
    ? D & {
        cursor: string;
        receivedAt: Date;
        /** The kind (the EventKind enum's internal value). */
        kind: K;
        /** The same kind as a String for clients: the platform's discriminator value. */
        platformKind: K;
      }
    : never;

export type EventListener = (event: DeliveredEvent) => void;

export interface EventBus {
  /**
   * Every event that reaches this instance (or only those of the given kinds), once, in cursor
   * order. Returns the unsubscribe function.
   */
  subscribe(listener: EventListener, kinds?: Iterable<string>): () => void;
  /**
   * Appends an event to the log (deduplicated by kind and key) so it reaches every instance.
   * Resolves with its cursor, or null when the key was already appended.
   */
  publish(kind: string, key: string, data: object): Promise<string | null>;
  /** Resolves once this instance has handed out every event appended before the call. */
  caughtUp(): Promise<void>;
  /**
   * Called when this instance sees that the log was lost and began again (another generation):
   * what was kept beside it in the store (live state) is likely gone too. Returns the unsubscribe function.
   */
  onLoss(listener: (loss: LogLoss) => void): () => void;
  close(): Promise<void>;
}

/** A loss of the event log as one instance saw it. */
export interface LogLoss {
  at: Date;
  /** The generation read before, and the one now (null: no log yet since). */
  from: string | null;
  to: string | null;
  reason: string;
}

/**
 * Cursors (of the event log, and of the wallboard's live state) are "<generation>:<sequence>": the
 * generation is made with the log (a new one when the log is lost and begins again, e.g. Redis
 * restarted without its data), the sequence orders positions within it. "0" is the start of the
 * current log. A cursor of digits alone comes from before logs had generations (or from a log
 * without one yet). Clients treat cursors as opaque IDs.
 */
export interface LogPosition {
  /** Null for "0" and for digits alone. */
  epoch: string | null;
  seq: number;
}

const CURSOR = /^([0-9a-z]{1,16}):(\d{1,15})$/;
const PLAIN_CURSOR = /^\d{1,15}$/;

/** The cursor of a position (digits alone when the log has no generation). */
export function formatCursor(epoch: string | null, seq: number | string): string {
  return epoch === null ? String(seq) : `${epoch}:${seq}`;
}

/** A cursor's position, or undefined for a string that is no cursor of ours (sequences stay below 2^53). */
export function parseLogCursor(cursor: string): LogPosition | undefined {
  const m = CURSOR.exec(cursor);
  if (m) return { epoch: m[1], seq: Number(m[2]) };
  return PLAIN_CURSOR.test(cursor) ? { epoch: null, seq: Number(cursor) } : undefined;
}

/** Whether a position is "0": the start of whatever log is current. */
export const isLogStart = (at: LogPosition) => at.epoch === null && at.seq === 0;

/** The stream of callbacks the gateway could not use (deadLetters query), beside the event log. */
export const DEAD_LETTER_STREAM = 'events:deadletters';
