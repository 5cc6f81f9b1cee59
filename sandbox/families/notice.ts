import { randomUUID } from 'node:crypto';
import { platformTime } from '../clock';
import { PlatformFault } from '../envelope';
import type { SandboxContext, SandboxRequest } from '../server';
import { campaignPlatform, simulatedOutcome } from './task';
import { registerTemplateHost } from './template';

/** tasklog hang-up causes of the simulated outcomes (by the called number's last digit). */
const CAUSE_BY_DIGIT: Record<number, string> = { 7: 'USER_BUSY', 8: 'NO_ANSWER', 9: 'NO_USER_RESPONSE' };

export interface NoticeContact {
  phone: string;
  params: string[];
  orderId?: string;
}

/** Parses the platform's `phone|p1|p2@orderId,…` contacts string. */
export function parseContacts(text: string): NoticeContact[] {
  return text.split(',').map((entry) => {
    const at = entry.lastIndexOf('@');
    const head = at >= 0 ? entry.slice(0, at) : entry;
    const [phone, ...params] = head.split('|');
    return { phone, params, ...(at >= 0 ? { orderId: entry.slice(at + 1) } : {}) };
  });
}

interface NoticeTask {
  taskSn: string;
  templateSn: string;
  caller: string;
  contacts: NoticeContact[];
  voiceFiles: string[];
  callNum: number;
  /** callUUID of each contact, decided at creation (task_one answers it). */
  callIds: string[];
  next: number;
  timer?: NodeJS.Timeout;
}

/** Legacy voice notice v1 on the notice host: templates, task_one, task_batch, voice files, tasklog pushes (form). */
export function registerNotice(ctx: SandboxContext): void {
  const platform = campaignPlatform(ctx);
  const tasks = new Map<string, NoticeTask>();
  const voiceFiles = new Map<string, { remarks: string; size: number }>();
  const stopAll = () => {
    for (const t of tasks.values()) if (t.timer) clearTimeout(t.timer);
  };
  ctx.onReset(() => {
    stopAll();
    tasks.clear();
    voiceFiles.clear();
  });
  ctx.onClose(stopAll);

  registerTemplateHost(ctx, {
    endpoints: { text: 'notice.template.text', file: 'notice.template.file', list: 'notice.template.list' },
    store: () => platform.noticeTemplates,
    reviewPath: '/notice/templates/review',
    pushReview: (t, reviewTime) =>
      ctx.callbacks.push(
        'template',
        { event: 'template', template_sn: t.templateSn, status: String(t.status), desc: t.descr, review_time: reviewTime },
        'form',
      ),
  });

  const dialNext = (task: NoticeTask) => {
    task.timer = undefined;
    const i = task.next++;
    const contact = task.contacts[i];
    const { answered, digit } = simulatedOutcome(contact.phone);
    const end = ctx.clock.now();
    const talkMs = answered ? 20_000 + digit * 1000 : 0;
    const start = end - talkMs - 6000;
    ctx.callbacks.push(
      'tasklog',
      {
        event: 'tasklog',
        taskSn: task.taskSn,
        called: contact.phone,
        caller: task.caller,
        callUUID: task.callIds[i],
        startTime: platformTime(start),
        endCallTime: platformTime(end),
        startRingTime: platformTime(start + 1000),
        answerTime: answered ? platformTime(start + 6000) : '',
        duration: String(talkMs),
        hangup_cause: answered ? 'NORMAL_CLEARING' : CAUSE_BY_DIGIT[digit],
        callerIdNumber: task.caller,
        pressKey: '',
        orderid: contact.orderId ?? '',
        recordPath: '',
      },
      'form',
    );
    if (task.next < task.contacts.length) schedule(task);
  };
  const schedule = (task: NoticeTask) => {
    task.timer = setTimeout(() => dialNext(task), platform.timing.dialIntervalMs);
    task.timer.unref();
  };

  /** The checks and literals shared by task_one and task_batch. */
  const createTask = ({ input }: SandboxRequest, single: boolean): NoticeTask => {
    if (typeof input.template_sn !== 'string' || input.template_sn.trim() === '') throw new PlatformFault(-1, '任务模板sn不能为空');
    if (typeof input.contacts !== 'string' || input.contacts.trim() === '') throw new PlatformFault(-1, '联系人清单不能为空');
    const template = platform.noticeTemplates.get(input.template_sn);
    if (!template) throw new PlatformFault(-1, '任务模板不存在');
    if (template.deleted) throw new PlatformFault(-1, '任务模板已删除');
    if (template.status !== 3) throw new PlatformFault(-1, '任务模板未审核通过');
    if (!platform.callers.has(template.caller)) throw new PlatformFault(-1, '主叫号码未绑定');
    const contacts = parseContacts(input.contacts);
    if (single && contacts.length !== 1) throw new PlatformFault(-1, '只能提交一个联系人');
    if (contacts.some((c) => !/^\+?\d{3,20}$/.test(c.phone))) throw new PlatformFault(-1, '联系人号码格式错误');
    const files = typeof input.voiceFileList === 'string' && input.voiceFileList !== '' ? input.voiceFileList.split(',') : [];
    const unknown = files.find((f) => !voiceFiles.has(f));
    if (unknown) throw new PlatformFault(-1, `语音文件不存在:${unknown}`);
    const task: NoticeTask = {
      taskSn: randomUUID(),
      templateSn: template.templateSn,
      caller: platform.callers.get(template.caller) ?? template.caller,
      contacts,
      voiceFiles: files,
      callNum: Number(input.call_num ?? 0) || 0,
      callIds: contacts.map(() => randomUUID()),
      next: 0,
    };
    tasks.set(task.taskSn, task);
    schedule(task);
    return task;
  };

  ctx.route('notice.task.one', (req) => ({ callUUID: createTask(req, true).callIds[0] }), { checkRequired: false });
  ctx.route('notice.task.batch', (req) => ({ task_sn: createTask(req, false).taskSn }), { checkRequired: false });

  ctx.route(
    'notice.voicefile.upload',
    ({ input, files }) => {
      const file = files.find((f) => f.field === 'voiceFile');
      if (!file || file.size === 0) throw new PlatformFault(-1, '录音文件不能为空');
      // No format rule is documented for this endpoint (the gateway itself only forwards WAV files).
      if (typeof input.remarks !== 'string' || input.remarks.trim() === '') throw new PlatformFault(-1, 'remarks不能为空');
      const fileName = randomUUID().replace(/-/g, '').slice(0, 14);
      voiceFiles.set(fileName, { remarks: input.remarks, size: file.size });
      return { fileName };
    },
    { checkRequired: false },
  );
}
