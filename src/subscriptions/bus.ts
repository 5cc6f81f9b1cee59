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
  /**
   * Every event that reaches this instance (or only those of the given kinds), once, in cursor
   * order. Returns the unsubscribe function.
   */
  subscribe(listener: EventListener, kinds?: Iterable<string>): () => void;
  /**
   * Appends an event to the log (deduplicated by kind and key) so it reaches every instance.
   * Resolves with its cursor, or null when the key was already appended.
   */
  publish(kind: string, key: string, data: Record<string, unknown>): Promise<string | null>;
  /** Resolves once this instance has handed out every event appended before the call. */
  caughtUp(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Every kind of event the log keeps: the platform's callback kinds (the discriminator values of
 * spec/callbacks.json; `DirectCallEnd` is the direct-call flavour of PnsCallEnd, `smsUplink` the
 * reply flavour of sms) and the gateway's own (`ivrDecision`).
 */
export const EVENT_KINDS: readonly string[] = [
  'taskStatus',
  'CallEnd',
  'TemplateReviewEvent',
  'AgentCallEnd',
  'agentEvent',
  'BidirectionalCallEnd',
  'PnsCallEnd',
  'DirectCallEnd',
  'HangupCauseEvent',
  'SipDockingCallEnd',
  'template',
  'recordpackage',
  'tasklog',
  'sms',
  'smsUplink',
  'flash',
  'ivrDecision',
];
