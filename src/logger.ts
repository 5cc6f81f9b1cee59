import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths whose values never reach a log line: platform tokens and credentials, client JWTs,
 * passwords (agent create/reset), and the hook secret.
 */
export const REDACTED_PATHS = [
  'token',
  '*.token',
  '*.*.token',
  'accessKeySecret',
  '*.accessKeySecret',
  'password',
  '*.password',
  '*.*.password',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'jwt',
  '*.jwt',
  'hookSecret',
  '*.hookSecret',
  'secret',
  '*.secret',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'occ-gateway' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * Where the gateway's log goes: in sandbox mode on a terminal, readable lines (pino-pretty, a dev
 * dependency); otherwise — and when pino-pretty is not installed (production installs omit dev
 * dependencies) — JSON lines on standard output.
 */
export function logDestination(sandbox: boolean, stdout: { isTTY?: boolean } = process.stdout): pino.DestinationStream {
  return (sandbox && stdout.isTTY && prettyDestination()) || stdoutDestination();
}

function prettyDestination(): pino.DestinationStream | undefined {
  let pretty: typeof import('pino-pretty');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pretty = require('pino-pretty') as typeof import('pino-pretty');
  } catch {
    return undefined;
  }
  return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

/**
 * Standard output, written asynchronously: a log line never blocks the event loop on a slow or
 * full pipe, and lines logged while a write is in flight go out together. Pino flushes what is
 * buffered when the process exits.
 */
export function stdoutDestination(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}
