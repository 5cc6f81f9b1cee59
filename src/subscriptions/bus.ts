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
  /** Position in the durable log; resume after it with `after: cursor`. */
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
  close(): Promise<void>;
}

/** The stream of callbacks the gateway could not use (deadLetters query), beside the event log. */
export const DEAD_LETTER_STREAM = 'events:deadletters';
