import { createClient, type Client } from 'graphql-ws/client';
import type { Board } from './board';
import { parseSnapshot, parseUpdate, SNAPSHOT_QUERY, UPDATES_SUBSCRIPTION } from './queries';
import { updateArrived } from './timing';

/**
 * connecting: before the first connection; live: connected and following; reconnecting: the socket
 * was lost and is being opened again; refused: the gateway refused the token (close 4403); failed:
 * the client gave up (a close code graphql-ws treats as fatal): start again.
 */
export type Status = 'connecting' | 'live' | 'reconnecting' | 'refused' | 'failed';

export interface LiveOptions {
  /** ws(s)://host/graphql */
  url: string;
  token: string;
  board: Board;
  onStatus(status: Status, detail?: string): void;
  /** The board changed (a snapshot loaded or an update applied). */
  onChange(): void;
}

interface GqlError {
  message: string;
  extensions?: { code?: string };
}

/** The graphql-ws client waits this long before the nth attempt to connect again (jittered, at most 8 s). */
const retryDelayMs = (retries: number) => Math.min(500 * 2 ** retries, 8000) * (0.75 + Math.random() / 2);
/** A ping the gateway does not answer within this closes the socket (a network that went away silently). */
const PONG_TIMEOUT_MS = 5000;
const KEEPALIVE_MS = 10_000;

const codesOf = (err: unknown): string[] => (Array.isArray(err) ? (err as GqlError[]).map((e) => e.extensions?.code ?? '') : []);
const messageOf = (err: unknown): string =>
  Array.isArray(err)
    ? (err as GqlError[]).map((e) => e.message).join('; ')
    : err instanceof Error
      ? err.message
      : typeof err === 'object' && err && 'code' in err
        ? `socket closed (${String((err as { code: unknown }).code)})`
        : String(err);

/**
 * Keeps the board live: the snapshot (a query over the same socket), then wallboardUpdates after
 * its cursor. The client reconnects for ever; each time it sends the subscription again, and the
 * subscription's variables are read when it is sent, so it resumes after the last cursor applied
 * and nothing is missed or applied twice. CURSOR_EXPIRED (the log no longer reaches back to the
 * cursor, or was lost) and the marker of a rebuilt live state make it take a new snapshot.
 */
export function startLive(options: LiveOptions): { close(): void } {
  const { board } = options;
  let closed = false;
  let everConnected = false;
  let socket: WebSocket | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let stopFollowing: (() => void) | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped for each snapshot taken: answers to an older one are dropped. */
  let round = 0;

  const client: Client = createClient({
    url: options.url,
    connectionParams: () => ({ authorization: `Bearer ${options.token}` }),
    lazy: false,
    retryAttempts: Infinity,
    // Also retry when the connection could not even be opened (the gateway is restarting).
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retryDelayMs(retries))),
    keepAlive: KEEPALIVE_MS,
    onNonLazyError: (err) => {
      if (closed) return;
      stop();
      options.onStatus('failed', messageOf(err));
    },
    on: {
      opened: (s) => {
        socket = s as WebSocket;
      },
      connected: () => {
        everConnected = true;
        options.onStatus('live');
      },
      closed: (event) => {
        socket = undefined;
        clearTimeout(pongTimer);
        if (closed) return;
        const code = (event as CloseEvent | undefined)?.code;
        if (code === 4403) {
          options.onStatus('refused', 'The gateway refused the token (expired, or not a viewer token).');
          stop();
          return;
        }
        options.onStatus(everConnected ? 'reconnecting' : 'connecting', code === 4429 ? 'too many sockets for this token' : undefined);
      },
      ping: (received) => {
        if (received) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => {
          if (socket?.readyState === WebSocket.OPEN) socket.close(4408, 'Pong timeout');
        }, PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  });

  const groupIds = board.groupIds && board.groupIds.length ? board.groupIds : undefined;

  /** One query over the socket (re-sent by the client after a reconnect until it is answered). */
  const query = (text: string, variables: Record<string, unknown>) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      let answered = false;
      client.subscribe(
        { query: text, variables },
        {
          next: (result) => {
            answered = true;
            if (result.errors?.length) reject(result.errors);
            else resolve(result.data as Record<string, any>);
          },
          error: reject,
          complete: () => {
            if (!answered) reject(new Error('the query ended without an answer'));
          },
        },
      );
    });

  const later = (fn: () => void, ms: number) => {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(fn, ms);
  };

  /** Takes a snapshot, then follows the updates after its cursor. */
  const snapshot = () => {
    stopFollowing?.();
    stopFollowing = undefined;
    const mine = ++round;
    query(SNAPSHOT_QUERY, { groupIds }).then(
      (data) => {
        if (closed || mine !== round) return;
        board.load(parseSnapshot(data));
        options.onChange();
        follow(mine);
      },
      (err) => {
        if (closed || mine !== round) return;
        console.warn('wallboard snapshot failed:', messageOf(err));
        later(snapshot, 3000);
      },
    );
  };

  const follow = (mine: number) => {
    // Read when the client sends the subscription, the first time and after every reconnect.
    const payload = {
      query: UPDATES_SUBSCRIPTION,
      get variables() {
        return { after: board.cursor, groupIds };
      },
    };
    stopFollowing = client.subscribe(payload, {
      next: (result) => {
        if (closed || mine !== round) return;
        if (!result.data?.wallboardUpdates) {
          console.warn('wallboard update without data:', messageOf(result.errors));
          return;
        }
        if (!board.apply(parseUpdate(result.data))) {
          snapshot(); // a new generation of the live state: start from its snapshot
          return;
        }
        updateArrived();
        options.onChange();
      },
      error: (err) => {
        if (closed || mine !== round) return;
        const codes = codesOf(err);
        if (codes.includes('CURSOR_EXPIRED')) snapshot();
        else if (codes.includes('SLOW_SUBSCRIBER'))
          follow(mine); // resume after the last update applied
        else {
          console.warn('wallboard updates failed:', messageOf(err));
          later(snapshot, 3000);
        }
      },
      complete: () => {
        if (!closed && mine === round) later(() => mine === round && follow(mine), 1000);
      },
    });
  };

  function stop() {
    closed = true;
    clearTimeout(retryTimer);
    clearTimeout(pongTimer);
    stopFollowing?.();
    void client.dispose();
  }

  options.onStatus('connecting');
  snapshot();
  return { close: stop };
}
