import codes from '../../spec/codes.json';
import { cstDay } from '../clock';
import type { SandboxContext } from '../server';

const DAY_MS = 86_400_000;
const FIRMS = codes.aimFirm.map((f) => f.code);

/** Deterministic figures: one record per CST day in range × vendor, for one template and placement, newest first. */
function records(q: Record<string, unknown>) {
  const start = Number(q.startTime);
  const end = Number(q.endTime);
  const out: Record<string, unknown>[] = [];
  for (let t = end; t >= start; t -= DAY_MS) {
    const day = cstDay(t);
    FIRMS.forEach((firm, i) => {
      const seed = Number(day.slice(-2)) + i;
      out.push({
        parsingDate: day,
        companyName: 'xx银行',
        templateName: '测试-xx银行',
        inputName: '测试xx银行',
        inputId: '1237',
        firm,
        pullSuccessNum: seed * 10,
        clickUv: seed,
        clickPv: seed + 1,
        exposeUv: seed * 5,
        exposePv: seed * 9,
      });
    });
  }
  return out.filter(
    (r) =>
      (q.firm === undefined || r.firm === q.firm) &&
      (q.templateName === undefined || r.templateName === q.templateName) &&
      (q.inputName === undefined || r.inputName === q.inputName),
  );
}

/** AIM statistics on the open host (GET, token in the query, code "0"). */
export function registerAim(ctx: SandboxContext): void {
  ctx.route('aim.summary.page', (req) => {
    const all = records(req.query);
    const pageNo = Number(req.query.pageNo ?? 1);
    const pageSize = Number(req.query.pageSize ?? 10);
    return {
      current: pageNo,
      pages: Math.ceil(all.length / pageSize),
      total: all.length,
      records: all.slice((pageNo - 1) * pageSize, pageNo * pageSize),
    };
  });
  ctx.route('aim.summary.daylist', (req) => {
    const byDay = new Map<string, number>();
    for (const r of records(req.query))
      byDay.set(String(r.parsingDate), (byDay.get(String(r.parsingDate)) ?? 0) + Number(r.pullSuccessNum));
    return [...byDay].map(([parsingDate, pullSuccessNum]) => ({ parsingDate, pullSuccessNum })).reverse();
  });
}
