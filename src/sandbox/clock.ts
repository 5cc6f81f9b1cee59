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
