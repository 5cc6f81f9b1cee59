import { BadInputError } from '../errors';
import { PhoneVendor, type AimDayCount, type AimStatisticsFilter, type AimSummaryPage, type AimSummaryRecord } from '../schema/aim';
import { toInt, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';

const DAY_MS = 86_400_000;
const CST_OFFSET_MS = 8 * 3600_000;
const VENDORS = new Set<string>(Object.values(PhoneVendor));

/** `YYYY-MM-DD` → epoch ms of 00:00:00 that day in UTC+08:00. */
function cstDayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - CST_OFFSET_MS;
}

/** Platform `yyyyMMdd` → `YYYY-MM-DD`. */
function isoDay(value: unknown): string {
  const s = String(value ?? '');
  return /^\d{8}$/.test(s) ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6)}` : s;
}

/** The range as the platform wants it: 00:00:00.000 of the first day to 23:59:59.000 of the last (as in the source example). */
function rangeQuery(f: AimStatisticsFilter): Record<string, unknown> {
  const start = cstDayStart(f.from);
  const end = cstDayStart(f.to) + DAY_MS - 1000;
  if (end < start) throw new BadInputError('to', `must not be before from (${f.from})`);
  const query: Record<string, unknown> = { startTime: start, endTime: end };
  if (f.templateName) query.templateName = f.templateName;
  if (f.vendor) query.firm = f.vendor;
  if (f.placementName) query.inputName = f.placementName;
  return query;
}

const count = (v: unknown) => toInt(v) ?? 0;

/** One platform summary record → AimSummaryRecord (a vendor the spec does not list: vendor null, platformVendor raw). */
export function aimRecord(r: Record<string, unknown>): AimSummaryRecord {
  const firm = toOptionalString(r.firm);
  const known = firm !== undefined && VENDORS.has(firm);
  return {
    day: isoDay(r.parsingDate),
    companyName: toOptionalString(r.companyName),
    templateName: toOptionalString(r.templateName),
    placementName: toOptionalString(r.inputName),
    placementId: toOptionalString(r.inputId),
    vendor: known ? (firm as PhoneVendor) : undefined,
    platformVendor: known ? undefined : firm,
    parsedCount: count(r.pullSuccessNum),
    clickUv: count(r.clickUv),
    clickPv: count(r.clickPv),
    exposeUv: count(r.exposeUv),
    exposePv: count(r.exposePv),
  };
}

/** AIM statistics (open host, GET with the token in the query). */
export class AimDataSource extends DataSource {
  async summary(filter: AimStatisticsFilter, page: number, pageSize: number): Promise<AimSummaryPage> {
    if (page < 1) throw new BadInputError('page', 'must be at least 1');
    if (pageSize < 1 || pageSize > 1000) throw new BadInputError('pageSize', 'must be between 1 and 1000');
    const query = { ...rangeQuery(filter), pageNo: page, pageSize };
    const { data } = await this.ctx.call<{ current?: unknown; pages?: unknown; total?: unknown; records?: Record<string, unknown>[] }>(
      'aim.summary.page',
      { query },
    );
    const total = count(data?.total);
    return {
      page: toInt(data?.current) ?? page,
      pageSize,
      total,
      pages: toInt(data?.pages) ?? Math.ceil(total / pageSize),
      items: (data?.records ?? []).map(aimRecord),
    };
  }

  async days(filter: AimStatisticsFilter): Promise<AimDayCount[]> {
    const { data } = await this.ctx.call<Record<string, unknown>[]>('aim.summary.daylist', { query: rangeQuery(filter) });
    return (data ?? []).map((r) => ({ day: isoDay(r.parsingDate), parsedCount: count(r.pullSuccessNum) }));
  }
}
