/**
 * `next` messages whose payload is serialised once for every subscriber that receives the same
 * result object (shared-execution.ts hands one result to all subscribers of a distinct
 * subscription), instead of once per subscriber.
 *
 * graphql-ws serialises each message itself, with the server's `jsonMessageReplacer`, and hands
 * the text straight to the socket. The replacer here answers a `next` message with a ticket (a
 * number, so the "text" is just its digits) and keeps the message aside; the socket then exchanges
 * the ticket for the message's bytes: the subscription id's envelope around the payload's JSON,
 * which is built once per payload object. graphql-ws serialises and sends in one synchronous step,
 * so one ticket is outstanding at a time; a ticket that does not match (the order broke) is refused
 * rather than ever answered with another subscriber's message.
 */
export class SharedFrames {
  /** Result objects handed to `share`: only messages carrying one of them become tickets. */
  private readonly shared = new WeakSet<object>();
  private readonly payloads = new WeakMap<object, Buffer>();
  private pending: { ticket: number; id: string; payload: object } | undefined;
  private lastTicket = 0;

  /** Marks a result (from graphql-ws's `onNext`) as one whose message may be written from shared bytes. */
  share<T extends object>(result: T): T {
    this.shared.add(result);
    return result;
  }

  /**
   * For graphql-ws's `jsonMessageReplacer`: a `next` message carrying a shared result becomes a
   * ticket. Only graphql-ws's own message can hold one of those objects, never data inside another.
   */
  readonly replacer = (key: string, value: unknown): unknown => {
    if (key !== '' || !isNextMessage(value) || !this.shared.has(value.payload)) return value;
    const ticket = ++this.lastTicket;
    this.pending = { ticket, id: value.id, payload: value.payload };
    return ticket;
  };

  /** What the socket writes for `data`: the message for a ticket, anything else unchanged. */
  take(data: string): string | Buffer {
    const first = data.charCodeAt(0);
    if (first < 48 || first > 57) return data; // not a ticket: JSON messages start with '{'
    const pending = this.pending;
    this.pending = undefined;
    if (!pending || String(pending.ticket) !== data) throw new Error('subscription message out of order');
    return Buffer.concat([envelope(pending.id), this.payloadJson(pending.payload), CLOSE]);
  }

  private payloadJson(payload: object): Buffer {
    let json = this.payloads.get(payload);
    if (!json) {
      json = Buffer.from(JSON.stringify(payload));
      this.payloads.set(payload, json);
    }
    return json;
  }
}

const CLOSE = Buffer.from('}');

/** The start of a `next` message, up to its payload: the same key order as graphql-ws writes. */
function envelope(id: string): Buffer {
  return Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
}

function isNextMessage(value: unknown): value is { id: string; type: 'next'; payload: object } {
  const m = value as { id?: unknown; type?: unknown; payload?: unknown } | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    m.type === 'next' &&
    typeof m.id === 'string' &&
    typeof m.payload === 'object' &&
    m.payload !== null
  );
}
