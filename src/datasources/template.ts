import type { EndpointId } from '../../spec/endpoint-ids';
import { BadInputError, UpstreamUnavailableError } from '../errors';
import {
  TemplateStatus,
  type CreatedTemplate,
  type CreateFileTemplateInput,
  type CreateTextTemplateInput,
  type TemplateParam,
  type VoiceTemplate,
  type VoiceTemplatePage,
} from '../schema/template';
import type { ReceivedFile } from '../schema/upload';
import { toInt, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';

const MAX_PAGE_SIZE = 100;

function checkRange(field: string, value: number | undefined | null, min: number, max: number): void {
  if (value === undefined || value === null) return;
  if (!Number.isInteger(value) || value < min || value > max) throw new BadInputError(field, `must be between ${min} and ${max}`);
}

/** The caller is a Phone (validated and normalised before the resolver ran). */
function checkCommon(input: { name: string; caller: string; playCount: number }): void {
  if (!input.name.trim()) throw new BadInputError('name', 'must not be empty');
  // playNum: "播放次数，默认1" (source lines 749, 844, 7259, 7351): no maximum is stated; a play count is at least 1.
  if (!Number.isInteger(input.playCount) || input.playCount < 1) throw new BadInputError('playCount', 'must be 1 or more');
}

/**
 * Validates a text template and gives its platform fields (shared by v2 and the legacy notice host):
 * TTS ranges, parameters with unique indexes whose variables appear in the content.
 */
export function textTemplateFields(input: CreateTextTemplateInput): Record<string, unknown> {
  checkCommon(input);
  if (!input.content.trim()) throw new BadInputError('content', 'must not be empty');
  // Ranges stated by the spec: volume 0~100, pitch and speech -500~500 (source lines 751–755, 7261–7265).
  checkRange('volume', input.volume, 0, 100);
  checkRange('pitch', input.pitch, -500, 500);
  checkRange('speed', input.speed, -500, 500);
  const params = input.params ?? [];
  const indexes = new Set<number>();
  params.forEach((p, i) => {
    if (indexes.has(p.index)) throw new BadInputError(`params[${i}].index`, `${p.index} is used twice`);
    indexes.add(p.index);
    if (!p.name.trim()) throw new BadInputError(`params[${i}].name`, 'must not be empty');
    if (!p.variable.trim()) throw new BadInputError(`params[${i}].variable`, 'must not be empty');
    if (!input.content.includes(p.variable))
      throw new BadInputError(`params[${i}].variable`, `"${p.variable}" does not appear in the content`);
  });
  const fields: Record<string, unknown> = { name: input.name, caller: input.caller, content: input.content, playNum: input.playCount };
  if (input.volume !== undefined && input.volume !== null) fields.volume = input.volume;
  if (input.pitch !== undefined && input.pitch !== null) fields.pitch = input.pitch;
  if (input.speed !== undefined && input.speed !== null) fields.speech = input.speed;
  if (params.length) fields.params = params.map((p) => ({ index: p.index, name: p.name, variable: p.variable }));
  return fields;
}

/** Validates a file template and gives its platform fields (the WAV goes as the `voicefile` part). */
export function fileTemplateFields(input: CreateFileTemplateInput): Record<string, unknown> {
  checkCommon(input);
  return { name: input.name, caller: input.caller, playNum: input.playCount };
}

export function checkPage(page: number, pageSize: number): void {
  if (!Number.isInteger(page) || page < 1) throw new BadInputError('page', 'must be 1 or more');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new BadInputError('pageSize', `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
}

/** The sn of a created template (`data.template_sn`). */
export function createdTemplate(endpoint: string, data: { template_sn?: unknown } | undefined): CreatedTemplate {
  const templateSn = toOptionalString(data?.template_sn);
  if (!templateSn) throw new UpstreamUnavailableError(endpoint, 'no template_sn in the answer');
  return { id: templateSn, templateSn, status: TemplateStatus.PENDING_REVIEW };
}

/** A template status (number or numeric string) → TemplateStatus; a value the spec does not list keeps its raw value. */
function toStatus(value: unknown): { status?: TemplateStatus; platformStatus?: string } {
  const n = toInt(value);
  if (n !== undefined && n in TemplateStatus) return { status: n as TemplateStatus };
  return { platformStatus: toOptionalString(value) };
}

function toParams(value: unknown): TemplateParam[] {
  let list = value;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch {
      return [];
    }
  }
  if (!Array.isArray(list)) return [];
  return list.map((p: Record<string, unknown>) => ({
    index: toInt(p?.index),
    name: toOptionalString(p?.name),
    variable: toOptionalString(p?.variable),
  }));
}

/** A template list answer (`data.list[]`, sn as `template_sn` or `templateSn`) → a typed page. */
export function templatePage(data: Record<string, unknown> | undefined, page: number, pageSize: number): VoiceTemplatePage {
  const list = Array.isArray(data?.list) ? (data.list as Record<string, unknown>[]) : [];
  const items: VoiceTemplate[] = list.map((t) => {
    const templateSn = String(t.template_sn ?? t.templateSn ?? '');
    return {
      id: templateSn,
      templateSn,
      name: String(t.name ?? ''),
      ...toStatus(t.status),
      statusDescription: toOptionalString(t.descr),
      content: toOptionalString(t.content),
      caller: toOptionalString(t.caller),
      volume: toInt(t.volume),
      pitch: toInt(t.pitch),
      speed: toInt(t.speech),
      params: toParams(t.params),
      audioPath: toOptionalString(t.voiepath),
    };
  });
  const total = toInt(data?.total) ?? items.length;
  const size = toInt(data?.pageSize) ?? pageSize;
  return {
    page: toInt(data?.pageNo) ?? page,
    pageSize: size,
    total,
    pages: toInt(data?.pages) ?? Math.ceil(total / Math.max(size, 1)),
    items,
  };
}

/** The endpoints of one copy of the template API: v2 on the main host, v1 on the legacy notice host. */
export interface TemplateEndpoints {
  text: EndpointId;
  file: EndpointId;
  list: EndpointId;
}

/** Template operations shared by both copies of the API; a subclass names its endpoints. */
export abstract class TemplateOperations extends DataSource {
  protected abstract readonly endpoints: TemplateEndpoints;

  async createText(input: CreateTextTemplateInput): Promise<CreatedTemplate> {
    const body = textTemplateFields(input);
    const { data } = await this.ctx.call<{ template_sn?: unknown }>(this.endpoints.text, { body });
    return createdTemplate(this.endpoints.text, data);
  }

  async createFile(input: CreateFileTemplateInput, file: ReceivedFile): Promise<CreatedTemplate> {
    const body = fileTemplateFields(input);
    const { data } = await this.ctx.call<{ template_sn?: unknown }>(this.endpoints.file, {
      body,
      files: [{ field: 'voicefile', filename: file.filename || 'voice.wav', contentType: 'audio/wav', data: file.data }],
    });
    return createdTemplate(this.endpoints.file, data);
  }

  async list(page: number, pageSize: number): Promise<VoiceTemplatePage> {
    checkPage(page, pageSize);
    const { data } = await this.ctx.call<Record<string, unknown>>(this.endpoints.list, { query: { pageNo: page, pageSize } });
    return templatePage(data, page, pageSize);
  }
}

/** Voice-notice templates v2 on the main host (family `template`). */
export class TemplateDataSource extends TemplateOperations {
  protected readonly endpoints: TemplateEndpoints = { text: 'template.createText', file: 'template.createFile', list: 'template.list' };
}
