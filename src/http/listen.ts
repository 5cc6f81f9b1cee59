import type { Server } from 'node:http';

/** A start-up failure with a one-line reason for the operator (src/main.ts prints it and exits 2). */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

const REASONS: Record<string, (where: string) => string> = {
  EADDRINUSE: (where) => `${where} is already in use (PORT, HOST)`,
  EACCES: (where) => `${where} may not be listened on by this user (PORT below 1024?)`,
  EADDRNOTAVAIL: (where) => `${where}: HOST is not an address of this machine`,
};

/**
 * Listens on port and host, or rejects with a StartupError saying why in one line. While it tries,
 * the server's other 'error' listeners are set aside: the WebSocket server attached to it re-emits
 * a listen error to graphql-ws, which prints "Internal error emitted on the WebSocket server" and a
 * stack trace for what is only a busy port.
 */
export async function listenOrExplain(server: Server, port: number, host: string): Promise<void> {
  const others = server.listeners('error') as ((err: Error) => void)[];
  server.removeAllListeners('error');
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const where = `port ${port} on ${host}`;
    throw new StartupError(REASONS[code]?.(where) ?? `cannot listen on ${where}: ${(err as Error).message}`);
  } finally {
    for (const listener of others) server.on('error', listener);
  }
}
