import DataLoader from 'dataloader';
import codes from '../../spec/codes.json';
import { UpstreamUnavailableError } from '../errors';
import {
  Carrier,
  LookupKind,
  MarkSource,
  MarkType,
  Portability,
  PhoneState,
  type MarkCount,
  type PhoneInfo,
  type PhoneLocation,
  type PhoneMarkReport,
  type PhoneMarks,
  type SourceMark,
} from '../schema/lookup';
import { PhoneKind } from '../schema/phone';
import { toInt, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';
import type { TtlFor } from '../upstream/phone-cache';

type MaybePromise<T> = T | Promise<T>;

const CARRIERS = new Set<string>(Object.values(Carrier));
const PORTABILITY = new Set<number>(codes.portabilityResult.map((r) => Number(r.code)));
const PHONE_STATES = new Set<number>(codes.phoneState.map((r) => Number(r.code)));
const KNOWN_MARKS = new Set<string>([MarkType.ADVERTISING, MarkType.HARASSMENT, MarkType.FRAUD]);

/** A platform carrier name → Carrier; names the spec does not list become UNKNOWN. */
function toCarrier(value: unknown): Carrier | undefined {
  const name = toOptionalString(value)?.trim();
  if (name === undefined) return undefined;
  return CARRIERS.has(name) ? (name as Carrier) : Carrier.UNKNOWN;
}

/** A platform mark label → MarkType (labels beyond the documented three are OTHER, the label is kept). */
function toMarkType(label: string): MarkType {
  if (label === '') return MarkType.NONE;
  return KNOWN_MARKS.has(label) ? (label as MarkType) : MarkType.OTHER;
}

function toMarkCount(raw: unknown): MarkCount {
  const m = (raw && typeof raw === 'object' ? raw : {}) as { typeCnt?: unknown; type?: unknown; showName?: unknown };
  const label = toOptionalString(m.type)?.trim() ?? '';
  return { type: toMarkType(label), label, count: toInt(m.typeCnt) ?? 0, showName: toOptionalString(m.showName) };
}

/** Platform answers → typed values (the cache keeps these, so mapping happens once per platform call). */
export const decode = {
  location(data: unknown): PhoneLocation {
    const d = (data ?? {}) as Record<string, unknown>;
    const status = toInt(d.status);
    return {
      areaCode: toOptionalString(d.areaCode),
      province: toOptionalString(d.province),
      city: toOptionalString(d.areaName),
      originalCarrier: toCarrier(d.memo),
      currentCarrier: toCarrier(d.currentMemo),
      ported: status === undefined ? undefined : status === 1,
    };
  },
  portability(data: unknown): Portability {
    const n = toInt(data);
    if (n === undefined || !PORTABILITY.has(n))
      throw new UpstreamUnavailableError('lookup.portability', `unknown portability result ${JSON.stringify(data)}`);
    return n as Portability;
  },
  state(data: unknown): PhoneState {
    const n = toInt((data as { state?: unknown } | null)?.state);
    if (n === undefined || !PHONE_STATES.has(n))
      throw new UpstreamUnavailableError('lookup.phonestate', `unknown phone state ${JSON.stringify(data)}`);
    return n as PhoneState;
  },
  marks(data: unknown): PhoneMarks {
    const d = (data ?? {}) as { name?: unknown; marker?: unknown; counter?: unknown; type?: unknown };
    // The example nests counter/type in `marker`; the source table lists them beside it: take either.
    const marker = (d.marker && typeof d.marker === 'object' ? d.marker : d) as { counter?: unknown; type?: unknown };
    const label = toOptionalString(marker.type)?.trim() ?? '';
    return { type: toMarkType(label), label, count: toInt(marker.counter) ?? 0, name: toOptionalString(d.name) };
  },
  markReport(data: unknown): PhoneMarkReport {
    const d = (data ?? {}) as Record<string, unknown>;
    const totals = Array.isArray(d.all) ? d.all.map(toMarkCount) : [];
    const sources: SourceMark[] = Object.values(MarkSource)
      .filter((source) => d[source] !== undefined && d[source] !== null)
      .map((source) => ({ source, ...toMarkCount(d[source]) }));
    return { totals, sources };
  },
};

/**
 * Phone lookups (family `lookup`): one DataLoader per lookup kind and request (duplicates and
 * concurrent fields of one operation become one batch), each batch read from the shared cache in
 * one round trip; misses go to the platform through the cache's single flight.
 */
export class LookupDataSource extends DataSource {
  private readonly loaders = new Map<LookupKind, DataLoader<string, unknown>>();
  /** Answers this request took from the instance's memory, per kind. */
  private readonly held = new Map<LookupKind, Map<string, unknown>>();

  /** Location and carriers; fixed lines get their area code from the number (the platform lookup is for mobiles). */
  location(info: PhoneInfo): MaybePromise<PhoneLocation | null> {
    if (info.kind === PhoneKind.SERVICE) return null;
    if (info.kind !== PhoneKind.MOBILE) return { areaCode: info.areaCode };
    return this.load(LookupKind.LOCATION, info.number) as MaybePromise<PhoneLocation>;
  }

  /** Portability of a mobile number; null for fixed lines. */
  portability(info: PhoneInfo): MaybePromise<Portability | null> {
    if (info.kind !== PhoneKind.MOBILE) return null;
    return this.load(LookupKind.PORTABILITY, info.number) as MaybePromise<Portability>;
  }

  /** Live state of a mobile number; null for fixed lines. */
  state(info: PhoneInfo): MaybePromise<PhoneState | null> {
    if (info.kind !== PhoneKind.MOBILE) return null;
    return this.load(LookupKind.STATE, info.number) as MaybePromise<PhoneState>;
  }

  marks(info: PhoneInfo): MaybePromise<PhoneMarks> {
    return this.load(LookupKind.MARKS, info.number) as MaybePromise<PhoneMarks>;
  }

  markReport(info: PhoneInfo): MaybePromise<PhoneMarkReport> {
    return this.load(LookupKind.MARK_REPORT, info.number) as MaybePromise<PhoneMarkReport>;
  }

  /** The answer itself when this instance holds it in memory (no promise for GraphQL to wait on), else a batched load. */
  private load(kind: LookupKind, number: string): MaybePromise<unknown> {
    // Per request, a number counts once however often it appears (as with the DataLoader's own cache).
    const seen = this.held.get(kind);
    if (seen?.has(number)) return seen.get(number);
    const held = this.ctx.services.lookups.peek(kind, number);
    if (held) {
      if (seen) seen.set(number, held.value);
      else this.held.set(kind, new Map([[number, held.value]]));
      return held.value;
    }
    let loader = this.loaders.get(kind);
    if (!loader) {
      const fetch = (n: string) => this.fetch(kind, n);
      const ttlFor = kind === LookupKind.STATE ? this.stateTtl : undefined;
      loader = new DataLoader<string, unknown>((numbers) => this.ctx.services.lookups.getMany(kind, numbers, fetch, ttlFor), {
        maxBatchSize: 500,
      });
      this.loaders.set(kind, loader);
    }
    return loader.load(number);
  }

  /** A "lookup failed" state is an answer, but one kept only as long as a failure. */
  private readonly stateTtl: TtlFor = (value) =>
    value === PhoneState.LOOKUP_FAILED ? this.ctx.services.lookups.settings.failureTtlMs : undefined;

  /** One platform lookup (the number is already validated and normalised). */
  private async fetch(kind: LookupKind, number: string): Promise<unknown> {
    switch (kind) {
      case LookupKind.LOCATION:
        return decode.location((await this.ctx.call('lookup.location', { params: { phone: number } })).data);
      case LookupKind.PORTABILITY:
        return decode.portability((await this.ctx.call('lookup.portability', { params: { mobile: number } })).data);
      case LookupKind.STATE:
        return decode.state((await this.ctx.call('lookup.phonestate', { params: { phone: number } })).data);
      case LookupKind.MARKS:
        return decode.marks((await this.ctx.call('lookup.numberidentify', { params: { phone: number } })).data);
      case LookupKind.MARK_REPORT:
        return decode.markReport((await this.ctx.call('lookup.numberidentifyv2', { params: { phone: number } })).data);
    }
  }
}
