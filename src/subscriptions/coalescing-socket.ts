import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { GraphQLError, type GraphQLField, type GraphQLSchema } from 'graphql';
import WebSocket, { WebSocketServer, type Server, type ServerOptions } from 'ws';
import { formatError, SlowSubscriberError } from '../errors';
import type { SharedFrames } from './shared-frames';

type SendCallback = (err?: Error) => void;
type SendOptions = Parameters<WebSocket['send']>[1];

/**
 * The close code of a socket whose reader is judged slow (SLOW_SUBSCRIBER). Not one of graphql-ws's
 * (4400, 4401, 4403, 4406, 4408, 4409, 4429, 4499, 4500) nor the gateway's socket cap (4429); by
 * analogy with HTTP 413: more is waiting for the reader than the gateway holds for it.
 */
export const SLOW_READER_CLOSE_CODE = 4413;

/** A close frame's reason carries at most 123 bytes (RFC 6455 §5.5: 125 with the code). */
const MAX_CLOSE_REASON_BYTES = 123;

/** When a reader is judged slow, and how long it then has to read up to the close frame. */
export interface SlowReaderLimits {
  /** More than this waiting unwritten (ws `bufferedAmount`) when a message is sent: slow (0: no bound). */
  maxBufferedBytes: number;
  /** A send held back (the transport over its high-water mark) with nothing written for this long: stalled. */
  stallMs: number;
  /** After the close frame is queued, how long before the socket is dropped (terminate) if it is still open. */
  graceMs: number;
}

/** What a reader judged slow is sent, after everything already queued for it and before nothing else. */
export interface SlowReaderEnd {
  /** Text messages written right before the close frame. */
  messages: string[];
  /** The close frame's reason (at most 123 bytes; longer is replaced by `SLOW_SUBSCRIBER`). */
  reason: string;
  /** Called once the close frame is queued: the socket takes no more messages. */
  closed?(): void;
}

/**
 * A server-side WebSocket whose frames written in one turn of the event loop leave in one socket
 * write, and which cuts off a reader that stops reading.
 *
 * graphql-ws waits for each frame's write callback before it sends a subscriber its next event, so
 * every event cost every subscriber one write system call — most of the CPU of a fan-out. Here a
 * send completes at once while the TCP socket's buffer is below its high-water mark, and the socket
 * stays corked until the end of the turn (setImmediate): the events a subscriber has waiting go out
 * together, and the busier the gateway, the larger the batches. Above the high-water mark a send
 * completes only when written, as before, so a slow reader still pushes back and ends in its
 * subscription's bounded buffer (see event-stream.ts), and a replay goes at the reader's pace.
 *
 * With SlowReaderLimits (the gateway's sockets), a reader is judged slow when a send finds more
 * than `maxBufferedBytes` waiting unwritten, or when a send held back saw nothing written for
 * `stallMs` (the reader stopped reading: the kernel's buffers are full, so is the socket's). It is
 * then sent no more data: the messages of `slowReaderEnd` (each subscription's SLOW_SUBSCRIBER
 * error) and the close frame (SLOW_READER_CLOSE_CODE) are queued behind what is already waiting,
 * and the socket is dropped `graceMs` later if still open. A close frame travels behind the unread
 * data, so a reader that reads again gets the frames it was sent, then the close with its resume
 * cursor, instead of a connection reset (1006).
 */
export class CoalescingWebSocket extends WebSocket {
  private transport?: Socket;
  private corked = false;
  private readonly flush = () => {
    this.corked = false;
    this.transport?.uncork();
  };

  private frames?: SharedFrames;
  private limits?: SlowReaderLimits;

  /**
   * What a reader judged slow is sent before the close frame; set by the protocol layer once it
   * knows the socket's subscriptions (app.ts). Without it: the close frame alone, `SLOW_SUBSCRIBER`.
   */
  slowReaderEnd?: () => SlowReaderEnd;
  private judgedSlow = false;
  /** Sends whose completion waits for their write (the transport over its high-water mark). */
  private held = 0;
  /** When a held send last completed (or, when none had, when the first was held). */
  private lastWritten = 0;
  private stallTimer?: NodeJS.Timeout;
  private graceTimer?: NodeJS.Timeout;
  /** The `next` messages announced by expectNext, in the order they are sent: subscription id and event cursor. */
  private readonly expected: { id: string; cursor: string | undefined }[] = [];
  /** Per subscription id: the cursor of the last event message queued for it. */
  private readonly written = new Map<string, string>();

  /**
   * Called on connection with the upgraded request's socket (the one frames are written to), the
   * server's shared frames, and, to cut off slow readers, their limits.
   */
  useTransport(socket: Socket, frames?: SharedFrames, limits?: SlowReaderLimits): void {
    this.transport = socket;
    this.frames = frames;
    this.limits = limits;
    this.once('close', () => {
      clearTimeout(this.stallTimer);
      clearTimeout(this.graceTimer);
    });
  }

  /** True once the reader was judged slow (the close frame is queued). */
  get slow(): boolean {
    return this.judgedSlow;
  }

  /**
   * Announces the next `next` message (a SharedFrames ticket) the socket will be sent: subscription
   * `id`'s, for the event at `cursor` (undefined: not an event with a cursor). graphql-ws sends its
   * messages in the order its onNext hook saw them, so the announcements are taken in that order.
   */
  expectNext(id: string, cursor: string | undefined): void {
    if (this.frames) this.expected.push({ id, cursor });
  }

  /** The cursor of the last event message queued for subscription `id` (what its reader gets before any close). */
  writtenCursor(id: string): string | undefined {
    return this.written.get(id);
  }

  /** Subscription `id` ended: its cursor is no longer needed (ids may be reused, and a socket may live long). */
  forget(id: string): void {
    this.written.delete(id);
  }

  override send(message: unknown, optionsOrCallback?: SendOptions | SendCallback, callback?: SendCallback): void {
    let options = typeof optionsOrCallback === 'function' ? {} : (optionsOrCallback ?? {});
    const done = typeof optionsOrCallback === 'function' ? optionsOrCallback : callback;
    let data = message;
    let event: { id: string; cursor: string | undefined } | undefined;
    if (typeof data === 'string' && this.frames) {
      data = this.frames.take(data);
      if (typeof data !== 'string') {
        options = { ...options, binary: false }; // the bytes of a text message
        event = this.expected.shift();
      }
    }
    const transport = this.transport;
    if (!transport || this.readyState !== WebSocket.OPEN) return super.send(data as Buffer, options, done);
    const limits = this.limits;
    if (limits && limits.maxBufferedBytes > 0 && this.bufferedAmount > limits.maxBufferedBytes) {
      // Not queued: the reader is behind by more than the bound. graphql-ws gets on (its next sends
      // find the socket closing), the subscriptions end with the socket.
      this.cutOff();
      done?.();
      return;
    }
    if (event?.cursor !== undefined) this.written.set(event.id, event.cursor);
    if (!this.corked) {
      this.corked = true;
      transport.cork();
      setImmediate(this.flush);
    }
    if (!done) return super.send(data as Buffer, options);
    if (transport.writableNeedDrain) return super.send(data as Buffer, options, this.hold(done));
    // A failed write closes the socket (ws emits 'close'), which ends its subscriptions.
    super.send(data as Buffer, options);
    done();
  }

  /** A send that completes when written: counted, and watched for a reader that stopped reading. */
  private hold(done: SendCallback): SendCallback {
    if (!this.limits) return done;
    if (this.held++ === 0) this.lastWritten = Date.now();
    this.watchStall();
    return (err) => {
      this.held--;
      this.lastWritten = Date.now();
      done(err);
    };
  }

  private watchStall(): void {
    if (this.stallTimer || !this.limits) return;
    const { stallMs } = this.limits;
    const check = () => {
      this.stallTimer = undefined;
      if (this.judgedSlow || this.readyState !== WebSocket.OPEN || this.held === 0) return;
      const idle = Date.now() - this.lastWritten;
      if (idle >= stallMs) return this.cutOff();
      this.stallTimer = setTimeout(check, stallMs - idle).unref();
    };
    this.stallTimer = setTimeout(check, stallMs).unref();
  }

  /** Sends a slow reader no more data: its end messages and the close frame, behind what waits; dropped after the grace. */
  private cutOff(): void {
    if (this.judgedSlow || this.readyState !== WebSocket.OPEN) return;
    this.judgedSlow = true;
    clearTimeout(this.stallTimer);
    let end: SlowReaderEnd = { messages: [], reason: 'SLOW_SUBSCRIBER' };
    try {
      end = this.slowReaderEnd?.() ?? end;
    } catch {
      // Runs from a timer too: whatever went wrong, the reader still gets its close frame.
    }
    for (const m of end.messages) super.send(m);
    const reason = Buffer.byteLength(end.reason) <= MAX_CLOSE_REASON_BYTES ? end.reason : 'SLOW_SUBSCRIBER';
    this.close(SLOW_READER_CLOSE_CODE, reason);
    this.graceTimer = setTimeout(() => this.terminate(), this.limits?.graceMs ?? 0).unref();
    end.closed?.();
  }
}

/**
 * A WebSocketServer whose connections coalesce their writes (see CoalescingWebSocket), given the
 * frames of the graphql-ws server using it write shared `next` messages (see SharedFrames), and
 * given SlowReaderLimits cut off readers that fall behind by more.
 */
export function coalescingWebSocketServer(
  options: ServerOptions<typeof CoalescingWebSocket>,
  frames?: SharedFrames,
  slowReaders?: SlowReaderLimits,
): Server<typeof CoalescingWebSocket> {
  const server = new WebSocketServer<typeof CoalescingWebSocket>({ ...options, WebSocket: CoalescingWebSocket });
  server.on('connection', (socket: CoalescingWebSocket, request: IncomingMessage) =>
    socket.useTransport(request.socket as Socket, frames, slowReaders),
  );
  return server;
}

// ---------------------------------------------------------------------------------------------
// Resume cursors of a socket's subscriptions, for its SLOW_SUBSCRIBER end

/** One subscription operation: its response key, whether it takes `after`, its `after`, and the cursor of the event it was last handed. */
interface SubscriptionTrack {
  key: string;
  resumable: boolean;
  after: string | null;
  yielded: string | undefined;
}

/** By operation context (one per subscription, made in graphql-ws's onSubscribe). */
const tracks = new WeakMap<object, SubscriptionTrack>();
const tapped = new WeakSet<GraphQLField<unknown, unknown>>();

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}

/** The stream with the cursor of each value it hands out noted on the track (undefined for one without, e.g. the end of a slow subscriber). */
function noting(stream: AsyncIterable<unknown>, track: SubscriptionTrack): AsyncIterableIterator<unknown> {
  const source = stream[Symbol.asyncIterator]();
  const note = (r: IteratorResult<unknown>) => {
    if (!r.done) {
      const cursor = (r.value as { cursor?: unknown } | null)?.cursor;
      track.yielded = typeof cursor === 'string' ? cursor : undefined;
    }
    return r;
  };
  return {
    next: () => source.next().then(note),
    return: (value?: unknown) => source.return?.(value) ?? Promise.resolve({ value: undefined, done: true }),
    throw: (err?: unknown) => source.throw?.(err) ?? Promise.reject(err),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Notes, per subscription operation, the cursor of the event its source stream last handed out, so
 * that the cursor of each `next` message is known when it is sent (expectNext) without the client
 * having to select `cursor`. Wraps the `subscribe` of the schema's subscription fields, once per
 * field (the schema is built once per process).
 */
export function trackSubscriptionCursors(schema: GraphQLSchema): void {
  const type = schema.getSubscriptionType();
  if (!type) return;
  for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
    const subscribe = field.subscribe;
    if (!subscribe || tapped.has(field)) continue;
    tapped.add(field);
    const resumable = field.args.some((a) => a.name === 'after');
    field.subscribe = async (source, args, context, info) => {
      const stream: unknown = await subscribe(source, args, context, info);
      if (!context || typeof context !== 'object' || !isAsyncIterable(stream)) return stream;
      const after = (args as { after?: unknown }).after;
      const track: SubscriptionTrack = {
        key: String(info.path.key),
        resumable,
        after: typeof after === 'string' ? after : null,
        yielded: undefined,
      };
      tracks.set(context, track);
      return noting(stream, track);
    };
  }
}

/** The cursor of the event the subscription with this operation context was last handed (for expectNext in onNext). */
export function handedCursor(context: unknown): string | undefined {
  return context && typeof context === 'object' ? tracks.get(context)?.yielded : undefined;
}

/** The close reason of a slow reader: `SLOW_SUBSCRIBER resumeAfter=<cursor>`, or without a cursor when there is none (or it does not fit). */
export function slowReaderReason(resumeAfter: string | null): string {
  const reason = `SLOW_SUBSCRIBER resumeAfter=${resumeAfter}`;
  return resumeAfter !== null && Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES ? reason : 'SLOW_SUBSCRIBER';
}

/**
 * The end of a slow reader's subscriptions (operation id → operation context, those still open):
 * each gets the SLOW_SUBSCRIBER error an overflowing buffer gives (its `resumeAfter` the cursor of
 * the last event queued for it, or its own `after` when none was) and `complete`. The close reason
 * names the resume cursor when the socket's resumable subscriptions share one (one subscription,
 * typically); otherwise each subscription's error is the place to read it. Operations that are
 * not subscriptions (a query in flight) end with the socket.
 */
export function slowSubscriptionsEnd(socket: CoalescingWebSocket, open: Iterable<[string, unknown]>): SlowReaderEnd {
  const messages: string[] = [];
  const resumes = new Set<string | null>();
  for (const [id, context] of open) {
    const track = context && typeof context === 'object' ? tracks.get(context) : undefined;
    if (!track) continue;
    const resumeAfter = socket.writtenCursor(id) ?? track.after;
    if (track.resumable) resumes.add(resumeAfter);
    const error = new SlowSubscriberError(resumeAfter);
    const graphqlError = new GraphQLError(error.message, { path: [track.key], originalError: error });
    messages.push(
      JSON.stringify({ id, type: 'next', payload: { data: null, errors: [formatError(graphqlError.toJSON(), graphqlError)] } }),
      JSON.stringify({ id, type: 'complete' }),
    );
  }
  const shared = resumes.size === 1 ? [...resumes][0] : null;
  return { messages, reason: slowReaderReason(shared) };
}
