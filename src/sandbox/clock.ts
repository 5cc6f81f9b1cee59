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
