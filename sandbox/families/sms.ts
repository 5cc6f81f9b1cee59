import { createHash, randomUUID } from 'node:crypto';
import { PlatformFault } from '../envelope';
import type { SandboxContext, SandboxRequest } from '../server';
import { PUSH_DELAY_MS, scheduler, type Later } from './simulate';

const MOBILE = /^1\d{10}$/;
const id = () => randomUUID().replace(/-/g, '');
const DAY_MS = 86_400_000;
/** 2022-07-01 00:00:00 +08:00, the creation time of the source's template example. */
const NEWEST = 1656604800000;
/** The template id of the source's send examples (SMS and flash alike). */
export const EXAMPLE_TEMPLATE_ID = 'e1ad91dd75a04fe987a7cc669872d062';

type Family = 'sms' | 'flash';

export interface SandboxMessageTemplate {
  templateId: string;
  templateName: string;
  content: string;
  ctime: number;
  utime: number;
  /** 1 draft, 2 pending review, 3 approved, 4 rejected. */
  status: number;
  /** SMS only: 1 notification, 2 promotional. */
  msgType?: number;
}

/** One accepted message, as the result lists show it. */
interface SentRecord {
  msgId: string;
  phone: string;
  content: string;
  /** List status: 1 not sent (until the delivery report), 2 sent, 3 failed. */
  status: number;
  msgType?: number;
  sendTime: number;
  taskId: string;
  userData: string;
}

/** [name, content, status (default 3 approved), msgType (SMS, default 1)] of the named templates, newest first, a day apart. */
const NAMED: Record<Family, [string, string, number?, number?][]> = {
  sms: [
    ['无锡xxxx', '${userName}, 您的验证码为：${verifyCode}', 3, 1],
    ['物流取件通知', '您的快递${orderNo}已到${station}，取件码${pickupCode}', 3, 1],
    ['会员日活动', '尊敬的${userName}，会员日全场8折，退订回T', 3, 2],
    ['还款提醒', '${userName}，您本期应还${amount}元，请于${dueDate}前还款', 2, 1],
    ['节日问候', '祝您节日快乐！', 1, 2],
    ['限时抢购', '${userName}，限时抢购${product}，详见${link}', 4, 2],
  ],
  flash: [
    ['无锡xxxx', '${userName}, ${caller}流调电话，请您不要挂断'],
    ['来电提醒', '${company}来电，请您接听'],
    ['快递来电', '快递员${courier}来电，请接听', 2],
    ['测试闪信', '测试闪信，无需回复', 1],
    ['营销闪信', '${product}特惠，详询${hotline}', 4],
  ],
};

/**
 * The deterministic templates of a family, newest first: the named ones (the first with the id of the
 * source's send examples), then for SMS 99 approved notification templates an hour apart, so that
 * the list has 105 templates (more than one page of 100).
 */
export function sandboxTemplates(family: Family): SandboxMessageTemplate[] {
  const hexId = (key: string) => createHash('md5').update(`${family}:${key}`).digest('hex');
  const named = NAMED[family].map(([templateName, content, status = 3, msgType], i) => ({
    templateId: i === 0 ? EXAMPLE_TEMPLATE_ID : hexId(templateName),
    templateName,
    content,
    ctime: NEWEST - i * DAY_MS,
    utime: NEWEST - i * DAY_MS + 3600_000,
    status,
    ...(family === 'sms' ? { msgType: msgType ?? 1 } : {}),
  }));
  const oldest = named[named.length - 1].ctime;
  const filler = family === 'sms' ? 99 : 0;
  const bulk = Array.from({ length: filler }, (_, n) => ({
    templateId: hexId(`bulk-${n + 1}`),
    templateName: `批量通知${n + 1}`,
    content: `批量通知${n + 1}：您的编号为\${code}`,
    ctime: oldest - (n + 1) * 3600_000,
    utime: oldest - (n + 1) * 3600_000,
    status: 3,
    msgType: 1,
  }));
  return [...named, ...bulk];
}

/** The template text with `${name}` replaced by the params given (unknown placeholders stay). */
function fill(content: string, params: Record<string, unknown>): string {
  return content.replace(/\$\{([^}]*)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A number query parameter, or undefined when absent. */
function num(q: Record<string, unknown>, name: string): number | undefined {
  const v = q[name];
  return v === undefined || v === '' ? undefined : Number(v);
}

function page<T>(q: Record<string, unknown>, all: T[]): { total: number; records: T[] } {
  const pageNo = num(q, 'pageNo') ?? 1;
  const pageSize = num(q, 'pageSize') ?? 10;
  return { total: all.length, records: all.slice((pageNo - 1) * pageSize, pageNo * pageSize) };
}

/** The list shows a phone as a JSON number where it can (the source's examples leave it unquoted). */
const listedPhone = (phone: string) => (/^[1-9]\d{0,14}$/.test(phone) ? Number(phone) : phone);

/**
 * SMS and flash SMS on the open host: template lists, sends, result lists, and the callbacks.
 *
 * Send: a number that is not an 11-digit mobile number is refused with 手机号码错误; outer code "0"
 * when at least one message went, "-1" (with the list) otherwise. Unknown template ids are accepted
 * (the text then lists the params). Accepted messages go to the send log as "not sent"; after
 * `delayMs` each gets its delivery report, decided by the phone's last digit: 9 fails (callback status
 * 2, list status 3 failed), the rest are delivered (1, list 2 sent). For SMS a number ending in 8 also
 * replies (uplink callback, msgType 2) another `delayMs` later.
 */
export function registerSms(ctx: SandboxContext, delayMs = PUSH_DELAY_MS): void {
  const later = scheduler(ctx);
  for (const family of ['sms', 'flash'] as const) registerFamily(ctx, family, later, delayMs);
}

function registerFamily(ctx: SandboxContext, family: Family, later: Later, delayMs: number): void {
  const templates = sandboxTemplates(family);
  const sent: SentRecord[] = [];
  ctx.onReset(() => (sent.length = 0));

  ctx.route(`${family}.template.list`, (req) => {
    const q = req.query;
    const name = q.templateName === undefined ? undefined : String(q.templateName);
    const [from, to, status, msgType] = [num(q, 'startTime'), num(q, 'endTime'), num(q, 'status'), num(q, 'msgType')];
    const matching = templates.filter(
      (t) =>
        (name === undefined || t.templateName.includes(name)) &&
        (from === undefined || t.ctime >= from) &&
        (to === undefined || t.ctime <= to) &&
        (status === undefined || t.status === status) &&
        (msgType === undefined || family === 'flash' || t.msgType === msgType),
    );
    return page(q, matching);
  });

  ctx.route(`${family}.send`, send, { checkRequired: false });

  ctx.route(`${family}.list`, (req) => {
    const q = req.query;
    const [from, to, status, msgType] = [num(q, 'startTime'), num(q, 'endTime'), num(q, 'status'), num(q, 'msgType')];
    const matching = sent
      .filter(
        (r) =>
          (from === undefined || r.sendTime >= from) &&
          (to === undefined || r.sendTime <= to) &&
          (status === undefined || r.status === status) &&
          (msgType === undefined || family === 'flash' || r.msgType === msgType) &&
          (q.taskId === undefined || r.taskId === q.taskId) &&
          (q.phone === undefined || r.phone === q.phone),
      )
      .reverse();
    const { total, records } = page(q, matching);
    return {
      records: records.map((r) => ({
        msgId: r.msgId,
        phone: listedPhone(r.phone),
        content: r.content,
        status: r.status,
        ...(family === 'sms' ? { msgType: r.msgType } : {}),
        sendTime: r.sendTime,
        taskId: r.taskId,
      })),
      total,
    };
  });

  /** The delivery report (and, for SMS, the reply) of one accepted message, in the spec's shapes. */
  function report(r: SentRecord): void {
    const delivered = !r.phone.endsWith('9');
    r.status = delivered ? 2 : 3;
    const status = delivered ? 1 : 2;
    if (family === 'flash') {
      ctx.callbacks.push(
        'flash',
        { msgId: r.msgId, phone: r.phone, status, userData: r.userData, sendTime: r.sendTime, taskId: r.taskId, event: 'flash' },
        'json',
      );
      return;
    }
    ctx.callbacks.push(
      'sms',
      { msgId: r.msgId, msgType: 1, phone: r.phone, status, userData: r.userData, sendTime: r.sendTime, taskId: r.taskId, event: 'sms' },
      'json',
    );
    if (!r.phone.endsWith('8')) return;
    later(delayMs, () =>
      ctx.callbacks.push(
        'smsUplink',
        {
          msgId: r.msgId,
          msgType: 2,
          phone: r.phone,
          status: 1,
          userData: r.userData,
          replyContent: '收到，谢谢',
          replyTime: ctx.clock.now(),
          taskId: r.taskId,
          event: 'sms',
        },
        'json',
      ),
    );
  }

  /** Answers a send; the accepted messages go to the log and get their reports after `delayMs`. */
  function send(req: SandboxRequest) {
    const { templateId, msgs } = req.body as { templateId?: unknown; msgs?: Record<string, unknown>[] };
    if (!templateId) throw new PlatformFault('-1', 'templateId不能为空');
    if (!Array.isArray(msgs) || msgs.length === 0) throw new PlatformFault('-1', 'msgs不能为空');
    const template = templates.find((t) => t.templateId === templateId);
    const taskId = id();
    const sendTime = ctx.clock.now();
    const successes: Record<string, unknown>[] = [];
    const errors: Record<string, unknown>[] = [];
    const accepted: SentRecord[] = [];
    for (const m of msgs) {
      const phone = String(m.phone ?? '');
      const params = (m.params && typeof m.params === 'object' ? m.params : {}) as Record<string, unknown>;
      if (!MOBILE.test(phone)) {
        errors.push({ phone, userData: m.userData ?? '', params, code: '-1', msg: '手机号码错误' });
        continue;
      }
      const msgId = id();
      successes.push({ msgId, phone, code: '0', msg: 'success' });
      accepted.push({
        msgId,
        phone,
        content: template ? fill(template.content, params) : Object.values(params).map(String).join(' '),
        status: 1,
        msgType: family === 'sms' ? (template?.msgType ?? 1) : undefined,
        sendTime,
        taskId,
        userData: String(m.userData ?? ''),
      });
    }
    sent.push(...accepted);
    if (accepted.length) later(delayMs, () => accepted.forEach(report));
    if (successes.length === 0) {
      throw new PlatformFault('-1', '发送失败', { taskId, totalCount: msgs.length, failCount: errors.length, successes, errors });
    }
    return { taskId, totalCount: msgs.length, errorCount: errors.length, successes, errors };
  }
}
