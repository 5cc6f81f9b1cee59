import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import WebSocket, { WebSocketServer, type Server, type ServerOptions } from 'ws';
import type { SharedFrames } from './shared-frames';

type SendCallback = (err?: Error) => void;
type SendOptions = Parameters<WebSocket['send']>[1];

/**
 * A server-side WebSocket whose frames written in one turn of the event loop leave in one socket
 * write.
 *
 * graphql-ws waits for each frame's write callback before it sends a subscriber its next event, so
 * every event cost every subscriber one write system call — most of the CPU of a fan-out. Here a
 * send completes at once while the TCP socket's buffer is below its high-water mark, and the socket
 * stays corked until the end of the turn (setImmediate): the events a subscriber has waiting go out
 * together, and the busier the gateway, the larger the batches. Above the high-water mark a send
 * completes only when written, as before, so a slow reader still pushes back and ends in its
 * subscription's bounded buffer (see event-stream.ts).
 */
export class CoalescingWebSocket extends WebSocket {
  private transport?: Socket;
  private corked = false;
  private readonly flush = () => {
    this.corked = false;
    this.transport?.uncork();
  };

  private frames?: SharedFrames;

  /** Called on connection with the upgraded request's socket (the one frames are written to) and the server's shared frames. */
  useTransport(socket: Socket, frames?: SharedFrames): void {
    this.transport = socket;
    this.frames = frames;
  }

  override send(message: unknown, optionsOrCallback?: SendOptions | SendCallback, callback?: SendCallback): void {
    let options = typeof optionsOrCallback === 'function' ? {} : (optionsOrCallback ?? {});
    const done = typeof optionsOrCallback === 'function' ? optionsOrCallback : callback;
    let data = message;
    if (typeof data === 'string' && this.frames) {
      data = this.frames.take(data);
      if (typeof data !== 'string') options = { ...options, binary: false }; // the bytes of a text message
    }
    const transport = this.transport;
    if (!transport || this.readyState !== WebSocket.OPEN) return super.send(data as Buffer, options, done);
    if (!this.corked) {
      this.corked = true;
      transport.cork();
      setImmediate(this.flush);
    }
    if (!done || transport.writableNeedDrain) return super.send(data as Buffer, options, done);
    // A failed write closes the socket (ws emits 'close'), which ends its subscriptions.
    super.send(data as Buffer, options);
    done();
  }
}

/**
 * A WebSocketServer whose connections coalesce their writes (see CoalescingWebSocket) and, given
 * the frames of the graphql-ws server using it, write shared `next` messages (see SharedFrames).
 */
export function coalescingWebSocketServer(
  options: ServerOptions<typeof CoalescingWebSocket>,
  frames?: SharedFrames,
): Server<typeof CoalescingWebSocket> {
  const server = new WebSocketServer<typeof CoalescingWebSocket>({ ...options, WebSocket: CoalescingWebSocket });
  server.on('connection', (socket: CoalescingWebSocket, request: IncomingMessage) => socket.useTransport(request.socket as Socket, frames));
  return server;
}
