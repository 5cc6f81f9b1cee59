import { Writable } from 'node:stream';

/** One pino JSON line, parsed. */
export interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  [field: string]: unknown;
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** A pino destination keeping every line a gateway writes (pass it as the stack's `logs`). */
export class LogCapture extends Writable {
  readonly lines: LogLine[] = [];
  private partial = '';

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    const text = this.partial + chunk.toString();
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) this.lines.push(JSON.parse(part) as LogLine);
    done();
  }

  /** The lines of one request id. */
  of(requestId: string): LogLine[] {
    return this.lines.filter((l) => l.requestId === requestId);
  }
}

/** The JSON log lines among a process's output (sandbox mode also prints a few plain lines: its URLs and tokens). */
export function jsonLines(output: string[]): LogLine[] {
  return output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
}
