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
 * Standard output, written asynchronously: a log line never blocks the event loop on a slow or
 * full pipe, and lines logged while a write is in flight go out together. Pino flushes what is
 * buffered when the process exits.
 */
export function stdoutDestination(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}
