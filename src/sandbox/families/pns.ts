import codes from '../../../spec/codes.json';
import { PlatformFault } from '../envelope';
import type { SandboxContext, SandboxRequest } from '../server';

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

/**
 * Privacy numbers: bindings per model, requestId de-duplication (the same requestId answers the
 * binding it made), re-binding the same numbers answers 0001, a pool of X numbers (2005 when empty).
 */
export function registerPns(ctx: SandboxContext, poolSize = 50): void {
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
}
