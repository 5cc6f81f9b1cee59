import { PlatformFault } from '../envelope';
import type { SandboxContext, SandboxRequest, UploadedFile } from '../server';

/** The msg literals of the common marking return-code table. */
const MSG = {
  1001: '订单信息不存在',
  1002: '公司名称和订单号不匹配',
  1003: '项目周期不能为空',
  1004: '品牌费和品牌费成本不能为空',
  1005: '公司不存在或已过期',
  1006: '号码不存在',
  1007: '号码非已上线状态',
} as const;
const fault = (code: keyof typeof MSG) => new PlatformFault(code, MSG[code]);

/** Status codes of codes.json `markingNumberStatus` used by the simulation. */
const ONLINE = 3;
const OFFLINE = 5;
const YEAR_MS = 365 * 86_400_000;

interface Company {
  name: string;
  /** Epoch ms (sandbox clock) after which the company has expired; undefined = never. */
  expiresAt?: number;
}

interface Order {
  orderId: string;
  corporation: string;
  orderType: number;
}

interface MarkedNumber {
  corporation: string;
  markNumber: string;
  orderId: string;
  markName: string;
  packageType: number;
  type: number;
  status: number;
  remark: string;
  logo?: string;
  attachments: string[];
}

/** Seeded companies and orders (restored on reset); see registerMarking for the rules. */
export const MARKING_SEED = {
  company: 'xx标记公司',
  expiredCompany: '过期标记公司',
  order: '1001000001',
  expiredCompanyOrder: '1001000002',
} as const;

function blank(v: unknown): boolean {
  return v === undefined || v === null || String(v).trim() === '';
}

/** An integer code field within its table (else -1, as the platform answers malformed parameters). */
function code(input: Record<string, unknown>, name: string, max: number): number {
  const n = Number(input[name]);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new PlatformFault(-1, `${name}参数错误`);
  return n;
}

function money(input: Record<string, unknown>, name: string): void {
  if (blank(input[name])) return;
  const n = Number(input[name]);
  if (!Number.isFinite(n) || n < 0) throw new PlatformFault(-1, `${name}参数错误`);
}

function millis(input: Record<string, unknown>, name: string): void {
  if (!blank(input[name]) && !/^\d{13}$/.test(String(input[name]))) throw new PlatformFault(-1, `${name}参数错误`);
}

function isImage(file: UploadedFile): boolean {
  const b = file.buffer;
  const ascii = (from: number, to: number) => b.toString('latin1', from, to);
  return (
    (b.length >= 8 && b[0] === 0x89 && ascii(1, 4) === 'PNG') ||
    (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) ||
    (b.length >= 6 && ascii(0, 3) === 'GIF') ||
    (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') ||
    (b.length >= 14 && ascii(0, 2) === 'BM')
  );
}

/**
 * Number marking on the main host (POST; online is multipart with the token as a form field,
 * offline and status are JSON with the token in the body; success is the number 0).
 *
 * Deterministic rules, checked in this order (required parameters first: -1 "xxx不能为空"):
 * - online: orderType 1–3, packageType 1–4, type 1–8, non-negative prices, 13-digit period times,
 *   a logo that is an image (else -1 "xxx参数错误"); a project order (orderType 3) without both
 *   period times → 1003; an orderId not on file → 1001; an orderId of another company → 1002;
 *   an expired company → 1005; a company not on file without both brandAmount and brandCost →
 *   1004, with them the company is opened (valid one year of the sandbox clock). Without orderId a
 *   new order (1001xxxxxx) is opened. The number goes straight to status 3 (online); submitting an
 *   already-marked number again replaces its mark.
 * - offline and status: a company not on file or expired → 1005; a number never put online for that
 *   company → 1006; offline of a number whose status is not 3 → 1007, else it becomes 5 (offline)
 *   with the reason as its remark.
 * Seeds: company "xx标记公司" (never expires) with order 1001000001; company "过期标记公司"
 * (expired) with order 1001000002. POST /__sandbox/marking/status {corporation, markNumber, status,
 * remark} sets a number's status by hand (the providers' progress: 0, 1, 2, 4).
 */
export function registerMarking(ctx: SandboxContext): void {
  const companies = new Map<string, Company>();
  const orders = new Map<string, Order>();
  const numbers = new Map<string, MarkedNumber>();
  let nextOrder = 0;
  const seed = () => {
    companies.clear();
    orders.clear();
    numbers.clear();
    companies.set(MARKING_SEED.company, { name: MARKING_SEED.company });
    companies.set(MARKING_SEED.expiredCompany, { name: MARKING_SEED.expiredCompany, expiresAt: 0 });
    orders.set(MARKING_SEED.order, { orderId: MARKING_SEED.order, corporation: MARKING_SEED.company, orderType: 2 });
    orders.set(MARKING_SEED.expiredCompanyOrder, {
      orderId: MARKING_SEED.expiredCompanyOrder,
      corporation: MARKING_SEED.expiredCompany,
      orderType: 1,
    });
    nextOrder = 1001000003;
  };
  seed();
  ctx.onReset(seed);

  const key = (corporation: unknown, markNumber: unknown) => `${String(corporation)}\u0000${String(markNumber)}`;
  const expired = (c: Company) => c.expiresAt !== undefined && ctx.clock.now() >= c.expiresAt;

  /** The number as marked for a company that exists and has not expired (offline, status). */
  const markedNumber = (input: Record<string, unknown>): MarkedNumber => {
    const company = companies.get(String(input.corporation));
    if (!company || expired(company)) throw fault(1005);
    const marked = numbers.get(key(input.corporation, input.markNumber));
    if (!marked) throw fault(1006);
    return marked;
  };

  const checkOnlineParameters = (input: Record<string, unknown>, files: UploadedFile[]) => {
    code(input, 'orderType', 3);
    code(input, 'packageType', 4);
    code(input, 'type', 8);
    for (const name of ['unitPrice', 'numberCost', 'brandAmount', 'brandCost']) money(input, name);
    millis(input, 'projectStartTime');
    millis(input, 'projectEndTime');
    const logos = files.filter((f) => f.field === 'logo');
    if (logos.length > 1 || logos.some((f) => !isImage(f))) throw new PlatformFault(-1, 'logo参数错误');
  };

  /** A given order: it must exist (1001) and be this company's (1002). */
  const existingOrder = (orderId: unknown, corporation: string): Order => {
    const order = orders.get(String(orderId));
    if (!order) throw fault(1001);
    if (order.corporation !== corporation) throw fault(1002);
    return order;
  };
  const newOrder = (corporation: string, orderType: number): Order => {
    const order = { orderId: String(nextOrder++), corporation, orderType };
    orders.set(order.orderId, order);
    return order;
  };

  /** The company must not have expired; one not on file is opened when the brand fees are given. */
  const checkCompany = (input: Record<string, unknown>, corporation: string): void => {
    const known = companies.get(corporation);
    if (known && expired(known)) throw fault(1005);
    if (known) return;
    if (blank(input.brandAmount) || blank(input.brandCost)) throw fault(1004);
    companies.set(corporation, { name: corporation, expiresAt: ctx.clock.now() + YEAR_MS });
  };

  ctx.route('marking.online', ({ input, files }: SandboxRequest) => {
    checkOnlineParameters(input, files);
    if (Number(input.orderType) === 3 && (blank(input.projectStartTime) || blank(input.projectEndTime))) throw fault(1003);
    const corporation = String(input.corporation);
    // A given order is checked before the company; a new order is opened only once the company is fine.
    const given = blank(input.orderId) ? undefined : existingOrder(input.orderId, corporation);
    checkCompany(input, corporation);
    const order = given ?? newOrder(corporation, Number(input.orderType));
    const markNumber = String(input.markNumber);
    numbers.set(key(corporation, markNumber), {
      corporation,
      markNumber,
      orderId: order.orderId,
      markName: String(input.markName),
      packageType: Number(input.packageType),
      type: Number(input.type),
      status: ONLINE,
      remark: '',
      logo: files.find((f) => f.field === 'logo')?.filename,
      attachments: files.filter((f) => f.field === 'attachment').map((f) => f.filename),
    });
    return markNumber;
  });

  ctx.route('marking.offline', ({ input }: SandboxRequest) => {
    const marked = markedNumber(input);
    if (marked.status !== ONLINE) throw fault(1007);
    marked.status = OFFLINE;
    marked.remark = blank(input.reason) ? '' : String(input.reason);
    return marked.markNumber;
  });

  ctx.route('marking.status', ({ input }: SandboxRequest) => {
    const marked = markedNumber(input);
    return {
      corporation: marked.corporation,
      orderId: marked.orderId,
      markNumber: marked.markNumber,
      status: marked.status,
      remark: marked.remark,
    };
  });

  // Tests move a number through the providers' intermediate states by hand.
  ctx.control('post', '/marking/status', (req) => {
    const { corporation, markNumber, status, remark } = req.body ?? {};
    const marked = numbers.get(key(corporation, markNumber));
    if (!marked) throw new Error('no such marked number');
    if (!Number.isInteger(status)) throw new Error('give status (integer)');
    marked.status = status;
    if (typeof remark === 'string') marked.remark = remark;
    return { ...marked };
  });
}
