/**
 * The contract between the event backbone (webhook receiver → durable log → fan-out) and the
 * features that consume platform events (subscriptions, live agent state, toolbar replies).
 */

/** One platform event as every gateway instance sees it after fan-out. */
export interface DeliveredEvent<T extends Record<string, unknown> = Record<string, unknown>> {
  /** Callback kind: the spec's discriminator value (`taskStatus`, `CallEnd`, `agentEvent`, `sms`, …) or a gateway kind (`ivrDecision`). */
  kind: string;
  /** Position in the durable log; resume after it with `after: cursor`. */
  cursor: string;
  /** Idempotency key from the kind's identifying fields. */
  key: string;
  receivedAt: Date;
  /** The normalised event: English camelCase names, Date values, numbers as numbers. */
  data: T;
}

export type EventListener = (event: DeliveredEvent) => void;

export interface EventBus {
  /** Every event that reaches this instance, once, in cursor order. Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
  /**
   * Appends an event to the log (deduplicated by kind and key) so it reaches every instance.
   * Resolves with its cursor, or null when the key was already appended.
   */
  publish(kind: string, key: string, data: Record<string, unknown>): Promise<string | null>;
  close(): Promise<void>;
}

/** In-process bus: one instance, no durability. The backbone replaces it with the Redis-stream bus. */
export class LocalEventBus implements EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly seen = new Set<string>();
  private seq = 0;

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(kind: string, key: string, data: Record<string, unknown>): Promise<string | null> {
    const id = `${kind}:${key}`;
    if (this.seen.has(id)) return null;
    this.seen.add(id);
    const event: DeliveredEvent = { kind, key, cursor: `${Date.now()}-${++this.seq}`, receivedAt: new Date(), data };
    for (const l of this.listeners) l(event);
    return event.cursor;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
