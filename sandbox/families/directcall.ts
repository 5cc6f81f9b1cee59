import codes from '../../spec/codes.json';
import { PlatformFault } from '../envelope';
import type { SandboxContext } from '../server';
import { PUSH_DELAY_MS, scheduler, simulatedCall } from './simulate';

interface DcBinding {
  telA: string;
  telB: string;
  orderId: string;
  sipId: string;
  userData?: string;
  /** Epoch ms when a delayed unbind takes effect. */
  endsAt?: number;
}

const row = (table: { code: string; msg: string }[], code: string) => table.find((r) => r.code === code)!;
const fault = (table: { code: string; msg: string }[], code: string) => new PlatformFault(code, row(table, code).msg);
const empty = (v: unknown) => v === undefined || v === null || v === '';

/**
 * Direct call on the open host: bindings keyed by telA + orderId, SIP registration data, delayed unbind.
 *
 * POST /__sandbox/directcall/call {telA, orderId, from?: "telA" | "telB", source?} simulates a call of a
 * binding (A dials B through the SDK, or B calls back A) and after `delayMs` pushes the direct-call
 * PnsCallEnd record (spec shape, no bindId). The called number's last digit decides the outcome
 * (0–6 answered); the caller hangs up when the talk time is even, the callee when odd.
 */
export function registerDirectCall(ctx: SandboxContext, delayMs = PUSH_DELAY_MS): void {
  const later = scheduler(ctx);
  const bindings = new Map<string, DcBinding>();
  let nextSip = 2200000000200;
  ctx.onReset(() => bindings.clear());
  const live = (key: string) => {
    const b = bindings.get(key);
    if (b?.endsAt !== undefined && b.endsAt <= ctx.clock.now()) bindings.delete(key);
    return bindings.get(key);
  };

  ctx.route(
    'directcall.bind',
    (req) => {
      const b = req.body;
      const t = codes.directcallBindResultCodes;
      if (empty(b.telA)) throw fault(t, '2001');
      if (empty(b.telB)) throw fault(t, '2002');
      if (empty(b.orderId)) throw fault(t, '2003');
      if (b.expiration !== undefined && !(Number.isInteger(b.expiration) && (b.expiration as number) > 0)) throw fault(t, '2004');
      const key = `${b.telA}:${b.orderId}`;
      const known = live(key);
      const binding: DcBinding = {
        telA: String(b.telA),
        telB: String(b.telB),
        orderId: String(b.orderId),
        sipId: known?.sipId ?? String(nextSip++),
        userData: b.userData === undefined ? undefined : String(b.userData),
      };
      bindings.set(key, binding);
      const data = {
        sipId: binding.sipId,
        sipPassword: binding.sipId.slice(-6).split('').reverse().join('') + 'cc4',
        sipIP: '120.30.40.50',
        sipPort: '5060',
        wsAddress: 'wss://120.30.40.50:8443',
        domain: '120.30.40.50:5060',
        serviceParams: {
          openStun: false,
          openIce: true,
          tcp: false,
          stunService: '120.30.40.50',
          codeC: 'OPUS',
          sendLog: false,
          uploadLog: true,
          uploadLogUrl: 'http://120.30.40.50:8084',
        },
        autoSwitch: 0,
      };
      if (!known) return data;
      throw new PlatformFault('0001', row(t, '0001').msg, data);
    },
    { checkRequired: false },
  );

  ctx.route(
    'directcall.unbind',
    (req) => {
      const b = req.body;
      const t = codes.directcallUnbindResultCodes;
      if (empty(b.telA)) throw fault(t, '4001');
      if (empty(b.orderId)) throw fault(t, '4002');
      const key = `${b.telA}:${b.orderId}`;
      const binding = live(key);
      if (!binding) throw fault(t, '4003');
      const delay = Number(b.expiration ?? 0);
      if (delay > 0) binding.endsAt = ctx.clock.now() + delay * 1000;
      else bindings.delete(key);
      return undefined;
    },
    { checkRequired: false },
  );

  ctx.control('get', '/directcall/bindings', (_req, res) =>
    res.json([...bindings.keys()].filter((k) => live(k)).map((k) => bindings.get(k))),
  );

  ctx.control('post', '/directcall/call', (req) => {
    const {
      telA,
      orderId,
      from = 'telA',
      source = 'sdk',
    } = (req.body ?? {}) as { telA?: string; orderId?: string; from?: string; source?: string };
    if (from !== 'telA' && from !== 'telB') throw new Error('from must be telA or telB');
    const binding = live(`${telA}:${orderId}`);
    if (!binding) throw new Error(`no binding of ${String(telA)} with order ${String(orderId)}`);
    const [callingNumber, calledNumber] = from === 'telA' ? [binding.telA, binding.telB] : [binding.telB, binding.telA];
    const call = simulatedCall(calledNumber, ctx.clock.now());
    const callerHangsUp = !call.answered || call.times.duration % 2 === 0;
    later(delayMs, () =>
      ctx.callbacks.push(
        'DirectCallEnd',
        {
          event: 'PnsCallEnd',
          callId: call.callId,
          type: from,
          callingType: from,
          callingNumber,
          calledNumber,
          ...call.times,
          userData: binding.userData ?? '',
          recordUrl: call.recordUrl,
          source: String(source),
          ...call.hangup,
          hangupDirection: callerHangsUp === (from === 'telA') ? 'telA' : 'telB',
        },
        'json',
      ),
    );
    return { callId: call.callId, callingNumber, calledNumber };
  });
}
