/**
 * Fuzz inputs for POST /hooks/<HOOK_SECRET> (test/fuzz.test.ts): near-valid callback bodies built
 * from spec/callbacks.json (each kind's example and field table, with fields dropped, given the
 * wrong type, huge, nested 10,000 levels deep, or with another discriminator), sent as JSON or
 * form bodies under right, wrong or missing Content-Types and charsets; random JSON; garbage bytes.
 */
import * as fc from 'fast-check';
import callbacks from '../../spec/callbacks.json';
import { between, Budget, pct, chance, chaosJson, deepJson, hugeString, pick, shortString, weighted } from './fuzz-graphql';

type G = fc.GeneratorValue;

/** JSON text spliced in as it is (deep nesting is never built as objects in the test process). */
class Raw {
  constructor(readonly text: string) {}
}

type Value = Raw | string | number | boolean | null | Value[] | { [k: string]: Value };

function jsonText(v: Value): string {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** A form field's text: strings as they are, anything else as JSON (as the platform sends objects in forms). */
function formText(v: Value): string {
  return typeof v === 'string' ? v : jsonText(v);
}

const kinds = callbacks.filter((c) => c.event !== 'ivrTransfer');
const DISCRIMINATORS = [
  ...new Set(callbacks.map((c) => c.event)),
  'sms.uplink',
  'Login',
  'Logout',
  'Busy',
  'SomethingNew',
  '',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'event',
  'callend',
  'CALLEND',
];
/** Agent toolbar events (type: "event"), as the spec lists them. */
const AGENT_EVENTS = ((callbacks.find((c) => c.event === 'agentEvent') as { events?: string[] } | undefined)?.events ?? []).filter(
  (e) => typeof e === 'string',
);
if (AGENT_EVENTS.length === 0) AGENT_EVENTS.push('Login', 'Logout', 'Idle', 'Busy', 'Ringing', 'Answer', 'Hangup');

/** A value of the type the field table names, in the platform's spellings (numbers as strings too). */
function fieldValue(g: G, type: string, name: string, _budget: Budget): Value {
  if (/time/i.test(name)) {
    return pick(g, [
      '2021-6-15 10:42:39',
      '2024-08-30 10:31:38',
      1636535406808,
      '1636535406808',
      Date.now(),
      '',
      '0',
      0,
      '2021-13-45 99:99:99',
      '9999999999999999999999',
      -1,
      1e21,
      '2021-6-15',
      '2021-6-15T10:42',
      'yesterday',
    ]);
  }
  switch (type) {
    case 'number':
      return pick<Value>(g, [0, 1, 2, 3, 4, -1, 2101, 1e308, 0.5, '0', '1', '2', ' 3 ', '216.0', 'NaN', '', 'x']);
    case 'boolean':
      return pick<Value>(g, [true, false, 1, 0, 'true', '']);
    case 'array':
      return chance(g, 0.7) ? [{ talker: 'robot', content: shortString(g), id: shortString(g), name: shortString(g) }] : [];
    case 'object':
      return chance(g, 0.7) ? { name: shortString(g), k: between(g, 0, 9) } : {};
    default:
      return chance(g, 0.8) ? `${name}-${g(fc.uuid)}` : shortString(g);
  }
}

/** A value of the wrong kind for a callback field: nested, huge, of another type, or odd. */
function wrongValue(g: G, budget: Budget): Value {
  return weighted<Value>(g, [
    [3, () => new Raw(chaosJson(g, budget))],
    [2, () => new Raw(deepJson(g, Math.max(1, budget.take(g, 10_000, 8))))],
    [1, () => hugeString(g, budget)],
    [1, () => ({ toString: 1, valueOf: 'x' })],
    [1, () => ({ toString: { a: 1 } })],
    [1, () => pick<Value>(g, [[], {}, [[[]]], null, true, -0, 1e308, '', ' ', '\u0000', '\ud800'])],
    [1, () => shortString(g, 40)],
  ]);
}

/** A body of one callback kind: its example or its field table, then changed a little or a lot. */
function nearValidBody(g: G, budget: Budget): Record<string, Value> {
  const spec = pick(g, kinds);
  const base: Record<string, Value> = chance(g, 0.5) && spec.example ? { ...(spec.example as unknown as Record<string, Value>) } : {};
  for (const f of spec.fields as { name: string; type: string }[]) {
    if (f.name.includes('.') || f.name.includes('[')) continue;
    if (base[f.name] === undefined || chance(g, 0.3)) base[f.name] = fieldValue(g, f.type, f.name, budget);
  }
  if (spec.event === 'agentEvent') {
    base.type = 'event';
    base.event = chance(g, 0.8) ? pick(g, AGENT_EVENTS) : shortString(g);
    base.eventTime = chance(g, 0.8) ? Date.now() - between(g, 0, 1e9) : fieldValue(g, 'string', 'eventTime', budget);
    base.agentNumber = chance(g, 0.8) ? String(between(g, 1000, 1010)) : wrongValue(g, budget);
  } else if (spec.discriminator?.field === 'event') {
    base.event = spec.discriminator.value as string;
  }
  // Unique identifying fields, so that most bodies are new events rather than duplicates.
  for (const id of spec.idFields)
    if (chance(g, 0.9) && typeof base[id] !== 'number' && id !== 'status' && id !== 'msgType') base[id] = `${id}-${g(fc.uuid)}`;
  const changes = weighted(g, [
    [3, () => 0],
    [5, () => between(g, 1, 3)],
    [1, () => between(g, 4, 12)],
  ]);
  const names = Object.keys(base);
  for (let i = 0; i < changes; i++) {
    weighted(g, [
      [5, () => (base[pick(g, names)] = wrongValue(g, budget))],
      [2, () => delete base[pick(g, names)]],
      [1, () => (base[shortString(g)] = wrongValue(g, budget))],
      [
        1,
        () =>
          (base[pick(g, ['event', 'type', 'msgType', 'msgId', 'bindId', 'bindType'])] = chance(g, 0.7)
            ? pick(g, DISCRIMINATORS)
            : wrongValue(g, budget)),
      ],
      [
        1,
        () =>
          (base.data = chance(g, 0.5)
            ? wrongValue(g, budget)
            : new Raw(
                `{"groupIdList":${chaosJson(g, budget)},"agentList":${chaosJson(g, budget)},"groupInfoList":${chaosJson(g, budget)}}`,
              )),
      ],
      [1, () => (base[pick(g, ['output', 'turnInfos', 'data', 'userData'])] = new Raw(JSON.stringify(jsonText(wrongValue(g, budget)))))], // JSON text as a string
    ]);
  }
  return base;
}

export interface HookRequest {
  body: string | Uint8Array;
  headers: Record<string, string>;
  /** What the body is, for the report. */
  shape: string;
}

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'text/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'multipart/form-data',
  '',
  'application/json; charset=',
  'application/json; charset="utf-8"',
  ';;;',
  'application/json; charset=klingon',
  'application/json; foo',
];
const FORM_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=gbk',
  'text/plain',
  'application/json',
  '',
];
const CHARSETS = [
  'utf-8',
  'latin1',
  'iso-8859-1',
  'utf-16le',
  'utf16le',
  'ucs2',
  'gbk',
  'gb2312',
  'big5',
  'ascii',
  'windows-1252',
  'klingon',
  'utf-32',
  'binary',
  'base64',
  'hex',
  'utf-7',
];

/** Encodes text in a charset for the wire (or as UTF-8 when Node cannot): the label may still lie. */
function encode(text: string, charset: string): Uint8Array {
  const node = (
    {
      'utf-8': 'utf8',
      latin1: 'latin1',
      'iso-8859-1': 'latin1',
      'utf-16le': 'utf16le',
      utf16le: 'utf16le',
      ucs2: 'ucs2',
      ascii: 'ascii',
      binary: 'latin1',
    } as Record<string, BufferEncoding>
  )[charset];
  return Buffer.from(text, node ?? 'utf8');
}

function withType(type: string): Record<string, string> {
  return type === '' ? {} : { 'content-type': type };
}

/** One callback request: near-valid JSON, form, random JSON, deep JSON, garbage bytes, odd charsets. */
export function hookRequest(g: G): HookRequest {
  const budget = new Budget(400_000); // UTF-16 doubles it: still under the 1 MiB limit
  return weighted<HookRequest>(g, [
    [
      8,
      () => ({
        body: jsonText(nearValidBody(g, budget)),
        headers: withType(chance(g, 0.8) ? 'application/json' : pick(g, JSON_TYPES)),
        shape: 'near-valid json',
      }),
    ],
    [
      4,
      () => {
        const params = Object.entries(nearValidBody(g, budget)).map(([k, v]) => `${pct(k)}=${pct(formText(v))}`);
        if (chance(g, 0.2))
          params.push(
            pick(g, ['%', '%E0%A4%A', '%%%', '=', '&&', 'a', '=x', 'event', 'event=', '+=+', '%00=%00', '__proto__=x', 'constructor=1']),
          );
        if (chance(g, 0.1) && params.length) params.push(params[0]); // a repeated key
        return {
          body: params.join('&'),
          headers: withType(chance(g, 0.8) ? 'application/x-www-form-urlencoded' : pick(g, FORM_TYPES)),
          shape: 'near-valid form',
        };
      },
    ],
    [2, () => ({ body: chaosJson(g, budget), headers: withType(pick(g, JSON_TYPES)), shape: 'random json' })],
    [
      1,
      () => {
        const field = pick(g, ['output', 'turnInfos', 'data', 'userData', 'callId', 'event']);
        const body = `{"event":"CallEnd","callId":"deep-${g(fc.uuid)}","taskSn":"t",${JSON.stringify(field)}:${deepJson(g, chance(g, 0.3) ? 10_000 : between(g, 1000, 10_000))}}`;
        return { body, headers: withType('application/json'), shape: 'deep json field' };
      },
    ],
    [
      1,
      () => ({
        body: deepJson(g, chance(g, 0.3) ? 10_000 : between(g, 1000, 10_000)),
        headers: withType(pick(g, JSON_TYPES)),
        shape: 'deep json',
      }),
    ],
    [
      1,
      () => {
        const text = jsonText(nearValidBody(g, budget));
        const cut = between(g, 0, text.length);
        return {
          body: text.slice(0, cut) + (chance(g, 0.5) ? shortString(g) : ''),
          headers: withType(pick(g, JSON_TYPES)),
          shape: 'broken json',
        };
      },
    ],
    [
      2,
      () => {
        const charset = pick(g, CHARSETS);
        const label = chance(g, 0.7) ? charset : pick(g, CHARSETS);
        const form = chance(g, 0.3);
        const body = nearValidBody(g, budget);
        const text = form
          ? Object.entries(body)
              .map(([k, v]) => `${pct(k)}=${pct(formText(v))}`)
              .join('&')
          : jsonText(body);
        const bom = chance(g, 0.1) ? '\ufeff' : '';
        return {
          body: encode(bom + text, charset),
          headers: withType(`${form ? 'application/x-www-form-urlencoded' : 'application/json'}; charset=${label}`),
          shape: `charset ${charset} as ${label}`,
        };
      },
    ],
    [
      2,
      () => ({
        body: g(fc.uint8Array, { maxLength: 2000 }),
        headers: withType(pick(g, [...JSON_TYPES, ...FORM_TYPES])),
        shape: 'garbage bytes',
      }),
    ],
    [
      1,
      () => ({
        body: g(fc.string, { unit: 'binary', maxLength: 300 }),
        headers: withType(pick(g, [...JSON_TYPES, ...FORM_TYPES])),
        shape: 'random text',
      }),
    ],
    [1, () => ({ body: JSON.stringify(hugeString(g, budget)), headers: withType('application/json'), shape: 'huge string' })],
  ]);
}
