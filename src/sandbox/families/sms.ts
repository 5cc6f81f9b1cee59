import { randomUUID } from 'node:crypto';
import { PlatformFault } from '../envelope';
import type { SandboxContext } from '../server';

const MOBILE = /^1\d{10}$/;
const id = () => randomUUID().replace(/-/g, '');

/**
 * SMS send on the open host: per-message results; a number that is not an 11-digit mobile number is
 * refused with 手机号码错误. Outer code "0" when at least one message went, "-1" (with the list) otherwise.
 */
export function registerSms(ctx: SandboxContext): void {
  for (const endpoint of ['sms.send', 'flash.send']) registerSend(ctx, endpoint);
}

/** sms.send and flash.send answer alike. */
function registerSend(ctx: SandboxContext, endpoint: string): void {
  ctx.route(
    endpoint,
    (req) => {
      const { templateId, msgs } = req.body as { templateId?: unknown; msgs?: Record<string, unknown>[] };
      if (!templateId) throw new PlatformFault('-1', 'templateId不能为空');
      if (!Array.isArray(msgs) || msgs.length === 0) throw new PlatformFault('-1', 'msgs不能为空');
      const successes: Record<string, unknown>[] = [];
      const errors: Record<string, unknown>[] = [];
      for (const m of msgs) {
        const phone = String(m.phone ?? '');
        if (MOBILE.test(phone)) successes.push({ msgId: id(), phone, code: '0', msg: 'success' });
        else errors.push({ phone, userData: m.userData ?? '', params: m.params ?? {}, code: '-1', msg: '手机号码错误' });
      }
      const taskId = id();
      if (successes.length === 0) {
        throw new PlatformFault('-1', '发送失败', { taskId, totalCount: msgs.length, failCount: errors.length, successes, errors });
      }
      return { taskId, totalCount: msgs.length, errorCount: errors.length, successes, errors };
    },
    { checkRequired: false },
  );
}
