import { randomUUID } from 'node:crypto';
import type { SandboxContext } from '../server';
import { hangupOf, simulatedOutcome } from './task';

/** Default pause between a request and the callback it causes (short, so tests stay fast). */
export const PUSH_DELAY_MS = 20;

/** Runs `fn` after `ms` unless the sandbox is reset or closed first: timed platform activity (callbacks). */
export type Later = (ms: number, fn: () => void) => void;

/** A `Later` whose pending timers /__sandbox/reset and close clear (they never keep the process alive). */
export function scheduler(ctx: SandboxContext): Later {
  const timers = new Set<NodeJS.Timeout>();
  const stop = () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
  ctx.onReset(stop);
  ctx.onClose(stop);
  return (ms, fn) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    timers.add(timer);
  };
}

/**
 * The call-detail fields shared by both PnsCallEnd records (privacy number and direct call), for a call
 * that began at `started` (epoch ms). The called number's last digit decides the outcome as in the
 * campaign simulation: 0–6 answered (talk of 10 s + digit), 7–9 not (busy, no answer, vacant). An
 * unanswered call has start = stop time and duration 0. Times are 13-digit epoch ms, `duration` seconds,
 * `hangupGcode` a string as in the source's examples.
 */
export function simulatedCall(called: string, started: number) {
  const { answered, digit } = simulatedOutcome(called);
  const hangup = hangupOf(digit);
  const ringTime = started + 2000;
  const startTime = answered ? started + 5000 : started + 32_000;
  const duration = answered ? 10 + digit : 0;
  const callId = randomUUID();
  return {
    answered,
    digit,
    callId,
    times: { beginTime: started, ringTime, startTime, stopTime: startTime + duration * 1000, duration },
    recordUrl: answered ? `http://record.v-call.cn/${callId}.wav` : '',
    hangup: { hangupGcode: String(hangup.code), hangupGname: hangup.name },
  };
}
