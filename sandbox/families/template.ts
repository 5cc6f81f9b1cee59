import type { EndpointId } from '../spec';
import { randomUUID } from 'node:crypto';
import { cstDay, platformTime } from '../clock';
import { PlatformFault } from '../envelope';
import type { SandboxContext, SandboxRequest } from '../server';
import { scheduler } from './simulate';
import { campaignPlatform } from './task';

/** A voice-notice template as the platform keeps it (v2 and legacy hosts alike). */
export interface SandboxTemplate {
  templateSn: string;
  kind: 'text' | 'file';
  name: string;
  caller: string;
  playNum: number;
  content?: string;
  volume?: number;
  pitch?: number;
  speech?: number;
  params?: { index: number; name: string; variable: string }[];
  voiepath?: string;
  /** 1 draft, 2 pending review, 3 approved, 4 rejected */
  status: number;
  descr: string;
  deleted: boolean;
}

const STATUS_TEXT: Record<number, string> = { 1: '草稿', 2: '待审核', 3: '审核通过', 4: '审核不通过' };

export function isWavBytes(data: Buffer): boolean {
  return data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WAVE';
}

function blank(v: unknown): boolean {
  return v === undefined || v === null || String(v).trim() === '';
}

function optionalNumber(input: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  if (blank(input[name])) return undefined;
  const n = Number(input[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new PlatformFault(-1, `${name}取值范围${min}~${max}`);
  return n;
}

function parseParams(value: unknown): SandboxTemplate['params'] {
  if (blank(value)) return undefined;
  let list = value;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch {
      throw new PlatformFault(-1, 'params格式错误');
    }
  }
  if (!Array.isArray(list)) throw new PlatformFault(-1, 'params格式错误');
  const seen = new Set<number>();
  return list.map((p: Record<string, unknown>) => {
    const index = Number(p?.index);
    if (!Number.isInteger(index) || blank(p?.name) || blank(p?.variable)) throw new PlatformFault(-1, 'params格式错误');
    if (seen.has(index)) throw new PlatformFault(-1, '参数序号不能重复');
    seen.add(index);
    return { index, name: String(p.name), variable: String(p.variable) };
  });
}

function common(input: Record<string, unknown>): Pick<SandboxTemplate, 'name' | 'caller' | 'playNum'> {
  if (blank(input.name)) throw new PlatformFault(-1, '模板标题不能为空');
  if (blank(input.caller)) throw new PlatformFault(-1, '主叫号码不能为空');
  const playNum = blank(input.playNum) ? 1 : Number(input.playNum);
  if (!Number.isInteger(playNum) || playNum < 1) throw new PlatformFault(-1, 'playNum格式错误');
  return { name: String(input.name), caller: String(input.caller), playNum };
}

export interface TemplateHostOptions {
  endpoints: { text: EndpointId; file: EndpointId; list: EndpointId };
  store: () => Map<string, SandboxTemplate>;
  /** Pushes the review result callback of this host. */
  pushReview: (template: SandboxTemplate, reviewTime: string) => void;
  /** Control route path (under /__sandbox) to review a template by hand. */
  reviewPath: string;
}

/**
 * The three template endpoints of one host (v2 on the main host, v1 on the notice host): the same
 * validation and `-1` messages, a pending review that completes after the configured delay (or by
 * hand through the review control route) and pushes the host's review callback.
 */
export function registerTemplateHost(ctx: SandboxContext, options: TemplateHostOptions): void {
  const platform = campaignPlatform(ctx);
  const later = scheduler(ctx);

  const review = (t: SandboxTemplate, status: number, desc: string) => {
    t.status = status;
    t.descr = desc;
    options.pushReview(t, platformTime(ctx.clock.now()));
  };
  const created = (t: SandboxTemplate) => {
    options.store().set(t.templateSn, t);
    const delay = platform.timing.reviewDelayMs;
    if (delay >= 0) {
      later(delay, () => {
        if (t.status === 2) review(t, 3, STATUS_TEXT[3]);
      });
    }
    return { template_sn: t.templateSn };
  };

  ctx.route(
    options.endpoints.text,
    ({ input }: SandboxRequest) => {
      const base = common(input);
      if (blank(input.content)) throw new PlatformFault(-1, '模板文本不能为空');
      const content = String(input.content);
      const params = parseParams(input.params);
      const missing = params?.find((p) => !content.includes(p.variable));
      if (missing) throw new PlatformFault(-1, `模板文本中不存在参数${missing.variable}`);
      return created({
        templateSn: randomUUID(),
        kind: 'text',
        ...base,
        content,
        volume: optionalNumber(input, 'volume', 0, 100) ?? 100,
        pitch: optionalNumber(input, 'pitch', -500, 500) ?? 0,
        speech: optionalNumber(input, 'speech', -500, 500) ?? 0,
        params,
        status: 2,
        descr: STATUS_TEXT[2],
        deleted: false,
      });
    },
    { checkRequired: false },
  );

  ctx.route(
    options.endpoints.file,
    ({ input, files }: SandboxRequest) => {
      const base = common(input);
      const file = files.find((f) => f.field === 'voicefile');
      if (!file || file.size === 0) throw new PlatformFault(-1, '录音文件不能为空');
      if (!isWavBytes(file.buffer)) throw new PlatformFault(-1, '格式异常,只能上传wav');
      const day = cstDay(ctx.clock.now());
      return created({
        templateSn: randomUUID(),
        kind: 'file',
        ...base,
        voiepath: `conv/${day}/${randomUUID()}.wav`,
        status: 2,
        descr: STATUS_TEXT[2],
        deleted: false,
      });
    },
    { checkRequired: false },
  );

  ctx.route(options.endpoints.list, ({ input }: SandboxRequest) => {
    const pageNo = blank(input.pageNo) ? 1 : Number(input.pageNo);
    const pageSize = blank(input.pageSize) ? 10 : Number(input.pageSize);
    if (!Number.isInteger(pageNo) || pageNo < 1 || !Number.isInteger(pageSize) || pageSize < 1) throw new PlatformFault(-1, '分页参数错误');
    const all = [...options.store().values()].filter((t) => !t.deleted);
    const page = all.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    return {
      pageNo,
      pageSize,
      total: all.length,
      pages: Math.ceil(all.length / pageSize),
      // The platform spells the sn `templateSn` in list items (the table says template_sn).
      list: page.map((t) => ({
        params: t.params ?? null,
        voiepath: t.voiepath ?? null,
        templateSn: t.templateSn,
        name: t.name,
        status: t.status,
        descr: t.descr,
        content: t.content ?? null,
        caller: t.caller,
        volume: t.volume ?? null,
        pitch: t.pitch ?? null,
        speech: t.speech ?? null,
      })),
    };
  });

  // Tests review (approve/reject) or delete a template by hand.
  ctx.control('post', options.reviewPath, (req) => {
    const { templateSn, status, desc, deleted } = req.body ?? {};
    const t = options.store().get(String(templateSn));
    if (!t) throw new Error('no such template');
    if (deleted === true) t.deleted = true;
    if (status === 3 || status === 4) review(t, status, typeof desc === 'string' ? desc : STATUS_TEXT[status]);
    return { templateSn: t.templateSn, status: t.status, deleted: t.deleted };
  });
}

/** Voice-notice templates v2 on the main host; reviews are pushed as TemplateReviewEvent (JSON). */
export function registerTemplate(ctx: SandboxContext): void {
  const platform = campaignPlatform(ctx);
  registerTemplateHost(ctx, {
    endpoints: { text: 'template.createText', file: 'template.createFile', list: 'template.list' },
    store: () => platform.templates,
    reviewPath: '/templates/review',
    pushReview: (t, reviewTime) =>
      ctx.callbacks.push(
        'TemplateReviewEvent',
        {
          event: 'TemplateReviewEvent',
          template_sn: t.templateSn,
          name: t.name,
          status: String(t.status),
          desc: t.descr,
          review_time: reviewTime,
        },
        'json',
      ),
  });
}
