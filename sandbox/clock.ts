/** The sandbox platform's clock: real time plus an offset that tests move (POST /__sandbox/clock). */
export class SandboxClock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): number {
    this.offsetMs += ms;
    return this.now();
  }
  set(epochMs: number): number {
    this.offsetMs = epochMs - Date.now();
    return this.now();
  }
}

const CST_OFFSET_MS = 8 * 3600_000;

/** `yyyyMMdd` of the China Standard Time day an instant falls on (the platform's day folders and AIM days). */
export function cstDay(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

/** Epoch ms → the platform's "2021-6-15 10:42:39" in UTC+08:00: month and day unpadded, as the original's examples write it. */
export function platformTime(ms: number): string {
  const cst = new Date(ms + CST_OFFSET_MS);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${cst.getUTCFullYear()}-${cst.getUTCMonth() + 1}-${cst.getUTCDate()} ` +
    `${two(cst.getUTCHours())}:${two(cst.getUTCMinutes())}:${two(cst.getUTCSeconds())}`
  );
}
