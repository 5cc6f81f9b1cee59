import { createHash } from 'node:crypto';
import { PlatformFault } from '../envelope';
import type { SandboxContext } from '../server';

/**
 * The five phone lookups (family `lookup`). Every answer is derived from the number itself
 * (a hash picks city, porting, state and marks), so the same number always answers the same and
 * tests can predict it; POST /__sandbox/lookups/override replaces the answer of one number.
 * Envelopes as the spec's examples: code 0 (number) for portability, location and phonestate,
 * "0" (string) for number-identify v1 and v2 — the route helper types it from endpoints.json.
 */

const CHINA_MOBILE = '中国移动';
const CHINA_UNICOM = '中国联通';
const CHINA_TELECOM = '中国电信';
const UNKNOWN = '未知';
/** Carrier → the portability check's number for "ported to it". */
const PORTED_TO: Record<string, number> = { [CHINA_MOBILE]: 1, [CHINA_UNICOM]: 2, [CHINA_TELECOM]: 3 };

const PREFIXES: Record<string, string[]> = {
  [CHINA_MOBILE]: [
    '134',
    '135',
    '136',
    '137',
    '138',
    '139',
    '147',
    '148',
    '150',
    '151',
    '152',
    '157',
    '158',
    '159',
    '172',
    '178',
    '182',
    '183',
    '184',
    '187',
    '188',
    '195',
    '197',
    '198',
  ],
  [CHINA_UNICOM]: ['130', '131', '132', '145', '146', '155', '156', '166', '167', '171', '175', '176', '185', '186', '196'],
  [CHINA_TELECOM]: ['133', '149', '153', '173', '174', '177', '180', '181', '189', '190', '191', '193', '199'],
};
const CARRIER_OF_PREFIX = new Map(Object.entries(PREFIXES).flatMap(([carrier, list]) => list.map((p) => [p, carrier] as const)));

/** [area code, province, city] as the platform writes them. */
const AREAS: [string, string, string][] = [
  ['010', '北京', '北京'],
  ['021', '上海', '上海'],
  ['022', '天津', '天津'],
  ['023', '重庆', '重庆'],
  ['020', '广东', '广州'],
  ['0755', '广东', '深圳'],
  ['0571', '浙江', '杭州'],
  ['025', '江苏', '南京'],
  ['028', '四川', '成都'],
  ['027', '湖北', '武汉'],
  ['029', '陕西', '西安'],
  ['0531', '山东', '济南'],
  ['0532', '山东', '青岛'],
  ['0371', '河南', '郑州'],
  ['0731', '湖南', '长沙'],
  ['0591', '福建', '福州'],
];

const MARK_LABELS = ['广告推销', '骚扰电话', '诈骗电话'];
const MARK_SOURCES = ['mark360', 'markBaidu', 'markHuawei', 'markOppo', 'markTencent', 'markVivo', 'markXiaomi'];
const YELLOW_PAGE_NAMES = ['顺丰速运', '中国银行客服', '美团外卖'];

type LookupName = 'portability' | 'location' | 'phonestate' | 'numberidentify' | 'numberidentifyv2';
const LOOKUPS: LookupName[] = ['portability', 'location', 'phonestate', 'numberidentify', 'numberidentifyv2'];

/** Deterministic bytes of a number. */
function bytesOf(number: string): Buffer {
  return createHash('sha256').update(number).digest();
}

function isMobile(n: string): boolean {
  return /^1[3-9]\d{9}$/.test(n);
}

/** Original and current carrier of a mobile number (about one in eight is ported). */
function carriers(n: string): { original: string; current: string } {
  const original = CARRIER_OF_PREFIX.get(n.slice(0, 3)) ?? UNKNOWN;
  const b = bytesOf(n);
  if (original === UNKNOWN || b[1] % 8 !== 0) return { original, current: original };
  const others = Object.keys(PORTED_TO).filter((c) => c !== original);
  return { original, current: others[b[2] % others.length] };
}

function location(n: string) {
  if (!isMobile(n)) {
    const area = AREAS.find(([code]) => n.startsWith(code));
    return {
      areaCode: area?.[0] ?? '',
      province: area?.[1] ?? '',
      areaName: area?.[2] ?? '',
      memo: UNKNOWN,
      currentMemo: UNKNOWN,
      status: 0,
    };
  }
  const [areaCode, province, areaName] = AREAS[bytesOf(n)[0] % AREAS.length];
  const { original, current } = carriers(n);
  return { areaCode, province, areaName, memo: original, currentMemo: current, status: original === current ? 0 : 1 };
}

function portability(n: string): number {
  if (!isMobile(n)) return 0;
  const { original, current } = carriers(n);
  return original === current ? 0 : PORTED_TO[current];
}

function phoneState(n: string) {
  const b = bytesOf(n)[3] % 20;
  let state = b < 12 ? 1 : b < 14 ? 3 : b < 16 ? 4 : b < 18 ? 5 : b < 19 ? 13 : 0;
  // Power-off is not detected for China Telecom numbers.
  if (state === 5 && carriers(n).current === CHINA_TELECOM) state = 1;
  return { state };
}

/** About one number in four is marked: its label and how often. */
function markOf(n: string): { label: string; count: number } | undefined {
  const b = bytesOf(n);
  if (b[4] % 4 !== 0) return undefined;
  return { label: MARK_LABELS[b[5] % MARK_LABELS.length], count: 5 + (b[6] % 200) };
}

function numberIdentify(n: string) {
  const b = bytesOf(n);
  const mark = markOf(n);
  return {
    phone: n,
    name: b[7] % 16 === 1 ? YELLOW_PAGE_NAMES[b[8] % YELLOW_PAGE_NAMES.length] : null,
    marker: mark ? { counter: mark.count, type: mark.label } : { counter: 0, type: '' },
  };
}

function numberIdentifyV2(n: string) {
  const b = bytesOf(n);
  const mark = markOf(n);
  const none = { typeCnt: 0, type: '', showName: '' };
  const data: Record<string, unknown> = { phone: n, all: [] as unknown[] };
  if (!mark) {
    for (const s of MARK_SOURCES) data[s] = { ...none };
    return data;
  }
  // The main label from most sources; some sources see a second label or nothing.
  const second = MARK_LABELS[(MARK_LABELS.indexOf(mark.label) + 1) % MARK_LABELS.length];
  const totals = new Map<string, number>();
  MARK_SOURCES.forEach((s, i) => {
    const pick = b[9 + i] % 5;
    if (pick === 0) {
      data[s] = { ...none };
      return;
    }
    const label = pick === 1 ? second : mark.label;
    const count = 1 + (b[16 + i] % Math.max(1, mark.count));
    totals.set(label, (totals.get(label) ?? 0) + count);
    data[s] = { typeCnt: count, type: label, showName: '' };
  });
  data.all = [...totals].map(([type, typeCnt]) => ({ typeCnt, type, showName: '' }));
  return data;
}

const ANSWERS: Record<LookupName, (n: string) => unknown> = {
  portability,
  location,
  phonestate: phoneState,
  numberidentify: numberIdentify,
  numberidentifyv2: numberIdentifyV2,
};

export function registerLookup(ctx: SandboxContext): void {
  /** number → lookup → the `data` to answer instead of the derived one. */
  const overrides = new Map<string, Partial<Record<LookupName, unknown>>>();
  ctx.onReset(() => overrides.clear());

  for (const name of LOOKUPS) {
    const param = name === 'portability' ? 'mobile' : 'phone';
    ctx.route(`lookup.${name}`, (req) => {
      const n = String(req.params[param] ?? '').trim();
      // The spec documents no error table for lookups; a number that is not digits answers -1.
      if (!/^\d{5,20}$/.test(n)) throw new PlatformFault(-1, `invalid ${param}`);
      const override = overrides.get(n);
      return override && name in override ? override[name] : ANSWERS[name](n);
    });
  }

  // Test control: {number, lookup: "phonestate", data: {state: 5}} replaces one answer; no data restores it.
  ctx.control('post', '/lookups/override', (req) => {
    const { number, lookup, data } = (req.body ?? {}) as { number?: string; lookup?: LookupName; data?: unknown };
    if (typeof number !== 'string' || !lookup || !LOOKUPS.includes(lookup))
      throw new Error(`give number and lookup (${LOOKUPS.join('|')})`);
    const entry = overrides.get(number) ?? {};
    if (data === undefined) delete entry[lookup];
    else entry[lookup] = data;
    overrides.set(number, entry);
    return { number, lookup, data: data ?? ANSWERS[lookup](number) };
  });
}

/** What the sandbox answers for a number (for tests that predict the platform's data). */
export const sandboxLookupData = ANSWERS;
