import codes from '../../spec/codes.json';
import { PlatformFault } from '../envelope';
import type { SandboxContext, SandboxRequest } from '../server';
import { PUSH_DELAY_MS, scheduler, simulatedCall } from './simulate';

type Model = 'axb' | 'ax' | 'axg';

interface Binding {
  model: Model;
  bindId: string;
  telA: string;
  telB?: string;
  telX: string;
  userData?: string;
}

const fault = (table: { code: string; msg: string }[], code: string) => {
  const row = table.find((r) => r.code === code)!;
  return new PlatformFault(row.code, row.msg);
};
const answer = (table: { code: string; msg: string }[], code: string) => table.find((r) => r.code === code)!;

/** Who a call from `caller` to the X number of a binding reaches, and the caller's role (axb only). */
function route(b: Binding, caller: string): { called: string; callingRole?: number } {
  if (b.model === 'ax') return { called: b.telA };
  if (caller === b.telA) return { called: b.telB!, ...(b.model === 'axb' ? { callingRole: 1 } : {}) };
  if (b.model === 'axb' && caller !== b.telB) throw new Error(`${caller} is neither telA nor telB of AXB binding ${b.bindId}`);
  // AXG: any number of the group reaches A.
  return { called: b.telA, ...(b.model === 'axb' ? { callingRole: 2 } : {}) };
}

/**
 * Privacy numbers: bindings per model, requestId de-duplication (the same requestId answers the
 * binding it made), re-binding the same numbers answers 0001, a pool of X numbers (2005 when empty).
 *
 * POST /__sandbox/pns/call {bindId | telX, caller} simulates a call through a binding: the platform
 * connects it as the model says (AXB: A ↔ B; AX: anybody → A; AXG: A → B, the group → A) and after
 * `delayMs` pushes the PnsCallEnd record (spec shape, with bindId and bindType = the model). The called
 * number's last digit decides the outcome (0–6 answered); the party that hangs up is the caller when
 * the talk time is even, the callee when odd.
 */
export function registerPns(ctx: SandboxContext, poolSize = 50, delayMs = PUSH_DELAY_MS): void {
  const later = scheduler(ctx);
  const bindings = new Map<string, Binding>();
  const byRequest = new Map<string, Binding>();
  let nextBind = 100001;
  let nextX = 0;
  ctx.onReset(() => {
    bindings.clear();
    byRequest.clear();
    nextX = 0;
  });
  const takeX = (): string => {
    const inUse = new Set([...bindings.values()].map((b) => b.telX));
    for (let i = 0; i < poolSize; i++) {
      const x = `9579${String((nextX + i) % poolSize).padStart(7, '0')}`;
      if (!inUse.has(x)) {
        nextX = (nextX + i + 1) % poolSize;
        return x;
      }
    }
    throw fault(codes.pnsBindResultCodes, '2005');
  };

  const bind = (model: Model) => (req: SandboxRequest) => {
    const b = req.body;
    const table = codes.pnsBindResultCodes;
    const empty = (v: unknown) => v === undefined || v === null || v === '';
    if (empty(b.telA)) throw fault(table, '2001');
    if (model !== 'ax' && empty(b.telB)) throw fault(table, '2002');
    if (model !== 'ax' && empty(b.requestId)) throw fault(table, '2003');
    if (b.expiration !== undefined && !(Number.isInteger(b.expiration) && (b.expiration as number) > 0)) throw fault(table, '2004');
    const requestId = String(b.requestId ?? '');
    const known = requestId ? byRequest.get(`${model}:${requestId}`) : undefined;
    if (known && bindings.has(known.bindId)) return { bindId: known.bindId, telX: known.telX };
    const same = [...bindings.values()].find((x) => x.model === model && x.telA === b.telA && (model === 'ax' || x.telB === b.telB));
    const binding: Binding = {
      model,
      bindId: same?.bindId ?? String(nextBind++),
      telA: String(b.telA),
      telB: b.telB === undefined ? undefined : String(b.telB),
      telX: same?.telX ?? (typeof b.telX === 'string' && b.telX ? b.telX : takeX()),
      userData: b.userData === undefined ? undefined : String(b.userData),
    };
    bindings.set(binding.bindId, binding);
    if (requestId) byRequest.set(`${model}:${requestId}`, binding);
    const data = { bindId: binding.bindId, telX: binding.telX };
    if (!same) return data;
    const rebound = model === 'ax' ? answer(codes.pnsAxBindResultCodes, '0001') : answer(codes.pnsBindResultCodes, '0001');
    throw new PlatformFault(rebound.code, rebound.msg, data);
  };

  const unbind = (model: Model) => (req: SandboxRequest) => {
    const { bindId, requestId } = req.body;
    if (bindId === undefined || bindId === '') throw fault(codes.pnsUnbindResultCodes, '4001');
    if (requestId === undefined || requestId === '') throw fault(codes.pnsUnbindResultCodes, '4002');
    const binding = bindings.get(String(bindId));
    if (!binding || binding.model !== model) throw fault(codes.pnsUnbindResultCodes, '4003');
    bindings.delete(binding.bindId);
    return null;
  };

  for (const model of ['axb', 'ax', 'axg'] as const) {
    ctx.route(`pns.${model}.bind`, bind(model), { checkRequired: false });
    ctx.route(`pns.${model}.unbind`, unbind(model), { checkRequired: false });
  }

  ctx.control('post', '/pns/call', (req) => {
    const { bindId, telX, caller } = (req.body ?? {}) as { bindId?: string; telX?: string; caller?: string };
    if (typeof caller !== 'string' || !caller) throw new Error('give caller (and bindId or telX)');
    const binding = bindId !== undefined ? bindings.get(String(bindId)) : [...bindings.values()].reverse().find((b) => b.telX === telX);
    if (!binding) throw new Error(`no binding ${bindId ?? `with X number ${String(telX)}`}`);
    const { called, callingRole } = route(binding, caller);
    const call = simulatedCall(called, ctx.clock.now());
    later(delayMs, () =>
      ctx.callbacks.push(
        'PnsCallEnd',
        {
          event: 'PnsCallEnd',
          callId: call.callId,
          bindId: binding.bindId,
          bindType: binding.model,
          callingNumber: caller,
          calledNumber: called,
          ...(callingRole === undefined ? {} : { callingRole }),
          telX: binding.telX,
          ...call.times,
          userData: binding.userData ?? '',
          recordUrl: call.recordUrl,
          ...call.hangup,
          releaseDir: call.answered && call.times.duration % 2 === 1 ? 2 : 1,
        },
        'json',
      ),
    );
    return { callId: call.callId, bindId: binding.bindId, called };
  });
}
