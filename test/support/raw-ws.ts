import WebSocket from 'ws';

/** A graphql-transport-ws message as the server wrote it. */
export interface RawMessage {
  id?: string;
  type: string;
  payload?: any;
}

/** A plain `ws` client speaking graphql-transport-ws by hand, whose reading can be stopped (its TCP socket paused). */
export interface RawSubscriber {
  socket: WebSocket;
  /** Every message received, in order. */
  received: RawMessage[];
  /** Resolves with the close the client saw (1006 when the connection ended without a close frame). */
  closed: Promise<{ code: number; reason: string }>;
  subscribe(id: string, query: string, variables?: Record<string, unknown>): void;
  /** Stops reading the socket: the kernel's buffers fill, then the gateway's. */
  pause(): void;
  resume(): void;
}

/** Connects to the gateway's /graphql with the token and resolves once the connection is acknowledged. */
export async function rawSubscriber(gatewayUrl: string, token: string): Promise<RawSubscriber> {
  const socket = new WebSocket(`${gatewayUrl.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const received: RawMessage[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (m) => {
      const message = JSON.parse(m.toString()) as RawMessage;
      received.push(message);
      if (message.type === 'connection_ack') resolve();
    });
  });
  const tcp = () => (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  return {
    socket,
    received,
    closed,
    subscribe: (id, query, variables = {}) => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } })),
    pause: () => tcp().pause(),
    resume: () => tcp().resume(),
  };
}
