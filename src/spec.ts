import type { EndpointId, EndpointSpec } from '../spec/endpoint-ids';
import endpointsJson from '../spec/endpoints.json';

/**
 * The platform's endpoints as data (spec/endpoints.json, a copy of the shared spec kept in the
 * repository so a deployed gateway does not depend on files outside it; test/spec.test.ts keeps
 * the copy equal to ../shared/spec when that is present).
 */
export type { EndpointSpec };

const byId = new Map<string, EndpointSpec>((endpointsJson as unknown as EndpointSpec[]).map((e) => [e.id, e]));

export const ENDPOINTS: readonly EndpointSpec[] = [...byId.values()];

export function endpoint(id: EndpointId): EndpointSpec {
  const spec = byId.get(id);
  if (!spec) throw new Error(`unknown platform endpoint ${id}`);
  return spec;
}

/**
 * A spec meaning as clients read it: one English sentence, without the annotations the spec's
 * tables carry — the quoted Chinese msg literal (`… (msg "订单信息不存在")`, which reaches clients as
 * `upstreamMessage`), Chinese in brackets, notes such as `; data null`, `(sic; …)`, `(from the example; …)`.
 */
export function englishMeaning(meaning: string): string {
  const clean = meaning
    .replace(/\s*\((?:msg "[^"]*"|sic\b[^)]*|from the example\b[^)]*|[^)]*[\u4e00-\u9fff][^)]*)\)/g, '')
    .replace(/;\s*data null\b/g, '')
    .replace(/\s+-\s+also a success$/, '')
    .trim();
  return sentence(clean);
}

/** Capitalised, ending with one full stop. */
function sentence(text: string): string {
  const t = text.trim().replace(/[.;,:\s]+$/, '');
  return t ? `${t[0].toUpperCase()}${t.slice(1)}.` : t;
}

/** A code whose meaning is "msg gives the reason": the platform's own msg says what went wrong. */
const REASON_IN_MSG = /\bmsg (?:carries|gives)\b|\breason in msg\b/;

/**
 * The platform's Chinese reasons the spec translates (`模板标题不能为空 (template title must not be
 * empty)` in the tables of codes that carry their reason in msg), the longest translation kept.
 */
const TRANSLATIONS: ReadonlyMap<string, string> = (() => {
  const map = new Map<string, string>();
  const pair = /([\u4e00-\u9fff][^\s()（）;]*)\s*\(([^)"]+)\)/g;
  for (const e of ENDPOINTS) {
    for (const { meaning } of e.errors) {
      for (const [, zh, en] of meaning.matchAll(pair)) if (en.length > (map.get(zh)?.length ?? 0)) map.set(zh, en);
    }
  }
  return map;
})();

/**
 * What a client reads for a platform error: the meaning of the code the platform returned (from the
 * endpoint's error table); for codes whose reason is in msg (and codes the spec does not list), the
 * platform's msg — in English when the spec translates it.
 */
export function errorMeaning(id: string, code: string, msg = ''): string {
  const documented = byId.get(id)?.errors.find((e) => String(e.code) === code)?.meaning;
  if (documented !== undefined && !REASON_IN_MSG.test(documented)) return englishMeaning(documented);
  const reason = msg.trim();
  const translated = TRANSLATIONS.get(reason);
  if (translated) return sentence(translated);
  if (reason) return sentence(`The platform refused the request: ${reason}`);
  return documented !== undefined ? 'The platform refused the request.' : `The platform refused the request with code ${code}.`;
}
