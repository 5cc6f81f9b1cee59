import { randomUUID } from 'node:crypto';
import { platformTime } from '../clock';
import codes from '../../spec/codes.json';
import { PlatformFault } from '../envelope';
import type { SandboxContext } from '../server';
import { PUSH_DELAY_MS, scheduler } from './simulate';
import { simulatedOutcome } from './task';

const MODES = new Set(codes.makecallType.map((t) => t.code));
const FAILED = codes.makecallResultCodes.find((c) => c.code === '-1')!;
const PHONE = /^\+?\d{3,20}$/;
/** Hang-up cause of an unanswered leg B (codes.json hangupCauses, "no answer"). */
const NO_ANSWER = codes.hangupCauses.find((r) => r.code === '2102')!;
const NORMAL = codes.hangupCauses.find((r) => r.code === '0')!;

/**
 * Two-way callback: answers a callId, then (after `delayMs`) pushes the BidirectionalCallEnd detail
 * record in the spec's shape. Leg B's last digit decides the outcome as in the campaign simulation
 * (0–6 answered, 7–9 not).
 */
export function registerMakecall(ctx: SandboxContext, delayMs = PUSH_DELAY_MS): void {
  const later = scheduler(ctx);

  ctx.route('makecall.create', (req) => {
    const { caller, called, callnum, type, userData } = req.body;
    if (typeof caller !== 'string' || !PHONE.test(caller)) throw new PlatformFault(FAILED.code, FAILED.msg);
    if (typeof called !== 'string' || !PHONE.test(called)) throw new PlatformFault(FAILED.code, FAILED.msg);
    if (callnum !== undefined && (typeof callnum !== 'string' || !PHONE.test(callnum))) throw new PlatformFault(FAILED.code, FAILED.msg);
    if (type !== undefined && !MODES.has(String(type))) throw new PlatformFault(FAILED.code, FAILED.msg);
    const callId = randomUUID();
    const started = ctx.clock.now();
    later(delayMs, () => {
      const { answered, digit } = simulatedOutcome(called);
      const at = (offsetMs: number) => platformTime(started + offsetMs);
      const talkMs = answered ? 10_000 + digit * 1000 : 0;
      const cause = answered ? NORMAL : NO_ANSWER;
      ctx.callbacks.push(
        'BidirectionalCallEnd',
        {
          event: 'BidirectionalCallEnd',
          type: String(type ?? 'default'),
          displayCaller: String(callnum ?? '95000'),
          callId,
          telA: caller,
          aCallTime: at(0),
          aRingingTime: at(2000),
          aAnswerTime: at(5000),
          aHangupTime: at(8000 + talkMs),
          telB: called,
          bCallTime: at(5000),
          bRingingTime: at(6000),
          bAnswerTime: answered ? at(8000) : '',
          bHangupTime: at(8000 + talkMs),
          hangupGcode: Number(cause.code),
          hangupGname: cause.hangupGname,
          duration: talkMs,
          hangupDirection: answered ? 2 : 1,
          recordPath: answered ? `http://record.v-call.cn/${callId}.wav` : '',
          userData: String(userData ?? ''),
        },
        'json',
      );
    });
    return { callId };
  });
}
