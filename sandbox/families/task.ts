import { randomBytes, randomUUID } from 'node:crypto';
import { platformTime } from '../clock';
import codes from '../../spec/codes.json';
import { PlatformFault } from '../envelope';
import type { SandboxContext } from '../server';
import type { SandboxTemplate } from './template';

const TASK_TYPES = new Set(['flow', 'notice', 'ivr', 'preview']);
/** Status descriptions exactly as the platform writes them (Query task status). */
export const TASK_STATUS_TEXT: Record<number, string> = {
  0: '创建中',
  1: '任务进行中',
  2: '任务暂停',
  4: '任务完成',
  5: '任务取消',
  6: '创建失败',
};
/** Control values of updateTaskStatus → the status the task is then in. */
const CONTROL_TO_STATUS: Record<number, number> = { 1: 1, 3: 2, 5: 5 };
/** The taskStatus callback numbers its statuses differently: 1 continued, 2 paused, 3 completed, 4 cancelled. */
const CALLBACK_STATUS = { resumed: 1, paused: 2, completed: 3, cancelled: 4 } as const;
/** The id a task of each type runs (robot flow, voice template, IVR flow); preview tasks need none. */
const TYPE_ID_FIELD: Record<string, string | undefined> = { flow: 'groupId', notice: 'templateSn', ivr: 'ivrId', preview: undefined };
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const CST_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** Timing of the simulated platform (tests make it fast with POST /__sandbox/campaigns/config). */
export interface CampaignTiming {
  /** Pause between two dialled contacts of a running task. */
  dialIntervalMs: number;
  /** Time until a created template is reviewed (approved) automatically; -1 leaves it pending. */
  reviewDelayMs: number;
}

/** State shared by the task, template and legacy-notice families of one sandbox. */
export interface CampaignPlatform {
  timing: CampaignTiming;
  /** Calling numbers bound to the account → their display number (undefined: bound without one). */
  callers: Map<string, string | undefined>;
  /** v2 templates (main host) by sn: NOTICE tasks play them. */
  templates: Map<string, SandboxTemplate>;
  /** Legacy templates (notice host) by sn. */
  noticeTemplates: Map<string, SandboxTemplate>;
}

const DEFAULT_CALLERS: [string, string | undefined][] = [
  ['10010', '10010'],
  ['95001', '95001'],
  ['95002', '95002'],
  ['95009', undefined],
];

const platforms = new WeakMap<SandboxContext, CampaignPlatform>();

/** The campaign state of a sandbox (created on first use, cleared by /__sandbox/reset). */
export function campaignPlatform(ctx: SandboxContext): CampaignPlatform {
  let p = platforms.get(ctx);
  if (!p) {
    const fresh: CampaignPlatform = {
      timing: { dialIntervalMs: 500, reviewDelayMs: 2000 },
      callers: new Map(DEFAULT_CALLERS),
      templates: new Map(),
      noticeTemplates: new Map(),
    };
    p = fresh;
    platforms.set(ctx, p);
    ctx.onReset(() => {
      fresh.callers = new Map(DEFAULT_CALLERS);
      fresh.templates.clear();
      fresh.noticeTemplates.clear();
    });
    ctx.control('post', '/campaigns/config', (req) => {
      const { dialIntervalMs, reviewDelayMs } = req.body ?? {};
      if (typeof dialIntervalMs === 'number') fresh.timing.dialIntervalMs = dialIntervalMs;
      if (typeof reviewDelayMs === 'number') fresh.timing.reviewDelayMs = reviewDelayMs;
      return fresh.timing;
    });
    ctx.control('post', '/callers', (req) => {
      const { number, displayNumber } = req.body ?? {};
      if (typeof number !== 'string') throw new Error('give number (and displayNumber)');
      fresh.callers.set(number, typeof displayNumber === 'string' ? displayNumber : undefined);
      return { number, displayNumber };
    });
  }
  return p;
}

/** The simulated outcome of calling a number: decided by its last digit so tests can choose it. */
export function simulatedOutcome(phone: string): { answered: boolean; digit: number } {
  const digit = Number(phone.at(-1) ?? 0);
  return { answered: digit <= 6, digit };
}

const HANGUP_BY_DIGIT: Record<number, string> = { 7: '1017', 8: '2102', 9: '2114' };

export function hangupOf(digit: number): { code: number; name: string } {
  const code = digit <= 6 ? '0' : HANGUP_BY_DIGIT[digit];
  const row = codes.hangupCauses.find((r) => r.code === code)!;
  return { code: Number(code), name: row.hangupGname };
}

export interface SandboxContact {
  phone: string;
  params?: Record<string, unknown>;
  userData?: string;
}

export interface SandboxTask {
  taskSn: string;
  taskType: string;
  name: string;
  status: number;
  caller: string;
  contacts: SandboxContact[];
  createdAt: number;
  /** Call records in dialling order (the call-log pages). */
  log: Record<string, unknown>[];
  next: number;
  timer?: NodeJS.Timeout;
}

function fault(code: string, msg: string): PlatformFault {
  return new PlatformFault(code, msg);
}

/** Is there any moment inside [start, end] that falls in one of the daily windows (UTC+08:00)? */
function schedulable(start: number, end: number, windows: { start: string; end: string }[]): boolean {
  const firstDay = Math.floor((start + CST_MS) / DAY_MS);
  const lastDay = Math.min(Math.floor((end + CST_MS) / DAY_MS), firstDay + 400);
  for (let day = firstDay; day <= lastDay; day++) {
    for (const w of windows) {
      const [sh, sm] = w.start.split(':').map(Number);
      const [eh, em] = w.end.split(':').map(Number);
      const from = day * DAY_MS - CST_MS + (sh * 60 + sm) * 60_000;
      const to = day * DAY_MS - CST_MS + (eh * 60 + em) * 60_000;
      if (from <= end && to >= start) return true;
    }
  }
  return false;
}

export function registerTask(ctx: SandboxContext): void {
  const platform = campaignPlatform(ctx);
  const tasks = new Map<string, SandboxTask>();
  const stop = (task: SandboxTask) => {
    if (task.timer) clearTimeout(task.timer);
    task.timer = undefined;
  };
  ctx.onReset(() => {
    for (const t of tasks.values()) stop(t);
    tasks.clear();
  });
  ctx.onClose(() => {
    for (const t of tasks.values()) stop(t);
  });

  const pushStatus = (task: SandboxTask, status: number, desc: string) =>
    ctx.callbacks.push('taskStatus', { event: 'taskStatus', taskSn: task.taskSn, status, desc, changeTime: platformTime(ctx.clock.now()) });

  /** Places the next call of a running task: one log record and one CallEnd push. */
  const dialNext = (task: SandboxTask) => {
    task.timer = undefined;
    if (task.status !== 1) return;
    const contact = task.contacts[task.next++];
    const { answered, digit } = simulatedOutcome(contact.phone);
    const hangup = hangupOf(digit);
    const end = ctx.clock.now();
    const talkMs = answered ? 30_000 + digit * 1000 : 0;
    const start = end - talkMs - 8000;
    const callId = randomUUID();
    const userData = contact.userData ?? (contact as { userdata?: string }).userdata;
    const robot = task.taskType === 'flow' && answered;
    const turns = robot
      ? [
          {
            talker: 'agent',
            content: '您好，我是xxx公司的客服人员，请问你是xxx吗？',
            talkAt: start + 8000,
            talkDuration: 3000,
            recordName: '',
            labelName: '开场白',
          },
          {
            talker: 'customer',
            content: '嗯，我是',
            talkAt: start + 11_500,
            talkDuration: 1200,
            recordName: `http://sandbox.v-call.local/turn/${callId}-1.wav`,
            labelName: '肯定',
          },
        ]
      : [];
    const common = {
      taskSn: task.taskSn,
      hangupGcode: hangup.code,
      hangupGname: hangup.name,
      caller: task.caller,
      called: contact.phone,
    };
    const times = {
      startTime: platformTime(start),
      ringingTime: platformTime(start + 1000),
      answerTime: answered ? platformTime(start + 8000) : '',
      endTime: platformTime(end),
      duration: talkMs,
    };
    const output = answered ? { ...(contact.params ?? {}), reached: 'yes' } : {};
    const recordPath = answered ? `http://sandbox.v-call.local/record/${callId}.wav` : '';
    task.log.push({
      ...common,
      callID: callId,
      ...(userData === undefined ? {} : { userData }),
      ...times,
      output,
      recordPath,
      turnInfos: turns,
    });
    ctx.callbacks.push('CallEnd', {
      event: 'CallEnd',
      ...common,
      callId,
      ...(userData === undefined ? {} : { userData }),
      ...times,
      output,
      recordPath,
      ...(task.taskType === 'ivr' ? { keys: answered ? '1,2' : '', pressKey: answered ? '2' : '' } : {}),
      ...(task.taskType === 'flow' ? { turnInfos: turns.map((t) => ({ talker: t.talker, content: t.content })) } : {}),
    });
    if (task.next >= task.contacts.length) {
      task.status = 4;
      pushStatus(task, CALLBACK_STATUS.completed, '任务完成');
      return;
    }
    schedule(task);
  };
  const schedule = (task: SandboxTask) => {
    if (task.timer || task.status !== 1 || task.next >= task.contacts.length) return;
    task.timer = setTimeout(() => dialNext(task), platform.timing.dialIntervalMs);
    task.timer.unref();
  };

  ctx.route(
    'task.create',
    ({ body }) => {
      const taskType = body.taskType === undefined ? 'flow' : String(body.taskType);
      if (!TASK_TYPES.has(taskType)) throw fault('-1', 'taskType错误');
      if (typeof body.name !== 'string' || body.name.trim() === '') throw fault('-1', 'name不能为空');
      const idField = TYPE_ID_FIELD[taskType];
      if (idField && (typeof body[idField] !== 'string' || body[idField] === '')) throw fault('-1', `${idField}不能为空`);
      const list = body.contactsList;
      if (!Array.isArray(list) || list.length === 0) throw fault('-1', 'contactsList不能为空');
      for (const c of list) {
        if (!c || typeof c !== 'object' || typeof (c as SandboxContact).phone !== 'string' || !(c as SandboxContact).phone) {
          throw fault('-1', 'phone不能为空');
        }
      }
      const now = ctx.clock.now();
      const dayStart = Math.floor((now + CST_MS) / DAY_MS) * DAY_MS - CST_MS;
      const start = body.callStartDate === undefined ? dayStart : Number(body.callStartDate);
      const end = body.callEndDate === undefined ? dayStart + DAY_MS - 1000 : Number(body.callEndDate);
      if (!Number.isFinite(start) || !Number.isFinite(end)) throw fault('-1', '日期格式错误');
      const dispatch = (body.dispatch ?? [{ start: '08:00', end: '20:00' }]) as { start: string; end: string }[];
      if (!Array.isArray(dispatch) || dispatch.some((w) => !w || !HH_MM.test(String(w.start)) || !HH_MM.test(String(w.end)))) {
        throw fault('1003010', '可外呼时间段格式错误');
      }
      if (end < start || dispatch.some((w) => w.end < w.start)) throw fault('1003011', '结束时间不能早于开始时间');
      if (end < now) throw fault('1003022', '结束时间不能早于当前时间');
      if (!schedulable(start, end, dispatch)) throw fault('1003023', '调度时间校验未通过');
      const caller = body.caller === undefined ? '95001' : String(body.caller);
      if (!platform.callers.has(caller)) throw fault('1004006', '未绑定的主叫号码');
      if (platform.callers.get(caller) === undefined) throw fault('1004007', '当前主叫号未绑定外显号码');
      if (taskType === 'notice') {
        const template = platform.templates.get(String(body.templateSn));
        if (!template) throw fault('-1', '模板不存在');
        if (template.status !== 3) throw fault('-1', '模板未审核通过');
      }
      const taskSn = randomBytes(16).toString('hex');
      tasks.set(taskSn, {
        taskSn,
        taskType,
        name: body.name,
        status: 0,
        caller: platform.callers.get(caller) ?? caller,
        contacts: list as SandboxContact[],
        createdAt: now,
        log: [],
        next: 0,
      });
      return { taskSn };
    },
    { checkRequired: false },
  );

  ctx.route('task.updateStatus', ({ params }) => {
    const task = tasks.get(params.taskSn);
    if (!task) throw new PlatformFault(-1, '任务不存在');
    const control = Number(params.status);
    const next = CONTROL_TO_STATUS[control];
    if (next === undefined) throw new PlatformFault(-1, 'status错误');
    if (task.status === 5 || task.status === 4) throw new PlatformFault(-1, '任务已结束');
    const before = task.status;
    task.status = next;
    if (next === 1) {
      if (before !== 1) pushStatus(task, CALLBACK_STATUS.resumed, before === 2 ? '任务继续' : '任务开始');
      schedule(task);
    } else {
      stop(task);
      if (next === 2 && before !== 2) pushStatus(task, CALLBACK_STATUS.paused, '任务暂停');
      if (next === 5) pushStatus(task, CALLBACK_STATUS.cancelled, '任务取消');
    }
    return { taskSn: task.taskSn, status: control };
  });

  ctx.route('task.status', ({ input }) => {
    const task = tasks.get(String(input.taskSn));
    if (!task || task.taskType !== input.taskType) throw new PlatformFault(-1, '任务不存在');
    return { taskSn: task.taskSn, status: task.status, description: TASK_STATUS_TEXT[task.status] };
  });

  ctx.route('task.logPage', ({ input }) => {
    const task = tasks.get(String(input.taskSn));
    if (!task || task.taskType !== input.taskType) throw new PlatformFault(-1, '任务不存在');
    const pageNo = Number(input.pageNo);
    const pageSize = Number(input.pageSize);
    if (!Number.isInteger(pageNo) || pageNo < 1 || !Number.isInteger(pageSize) || pageSize < 1) throw new PlatformFault(-1, '分页参数错误');
    const from = (pageNo - 1) * pageSize;
    return { records: task.log.slice(from, from + pageSize), total: task.log.length };
  });

  // Tests seed tasks in a given state without going through creation.
  ctx.control('post', '/tasks', (req) => {
    const { taskType = 'flow', status = 0, name = 'seeded', contacts = [] } = req.body ?? {};
    const taskSn = randomBytes(16).toString('hex');
    tasks.set(taskSn, { taskSn, taskType, name, status, caller: '95001', contacts, createdAt: ctx.clock.now(), log: [], next: 0 });
    return { taskSn };
  });

  // What the platform stored for a task (tests check large tasks arrived whole).
  ctx.control('get', '/tasks/:taskSn', (req) => {
    const task = tasks.get(String(req.params.taskSn));
    if (!task) throw new Error('no such task');
    return { taskSn: task.taskSn, taskType: task.taskType, status: task.status, contactCount: task.contacts.length, dialled: task.next };
  });
}
