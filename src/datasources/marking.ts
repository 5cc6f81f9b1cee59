import type { EndpointId } from '../../spec/endpoint-ids';
import codes from '../../spec/codes.json';
import { BadInputError, UpstreamError } from '../errors';
import {
  MarkingOrderType,
  NumberMarkingState,
  type MarkNumberOfflineInput,
  type MarkNumberOnlineInput,
  type NumberMarkingChange,
  type NumberMarkingStatus,
} from '../schema/marking';
import { readUpload, type FileUpload, type ReceivedFile } from '../schema/upload';
import type { CallOptions } from '../upstream/http';
import { toInt, toOptionalString } from '../upstream/convert';
import { englishMeaning } from '../spec';
import { DataSource } from './datasource';

/** The uploads of a go-online request, as the resolver receives them. */
export interface MarkingUploads {
  logo?: Promise<FileUpload> | null;
  attachments?: Promise<FileUpload>[] | null;
}

/** Gateway field → platform field of the marking endpoints (also used to name fields in -1 messages). */
const PLATFORM_FIELD = {
  company: 'corporation',
  orderId: 'orderId',
  number: 'markNumber',
  displayName: 'markName',
  orderType: 'orderType',
  plan: 'packageType',
  numberType: 'type',
  logo: 'logo',
  attachments: 'attachment',
  numberPrice: 'unitPrice',
  numberCost: 'numberCost',
  brandFee: 'brandAmount',
  brandFeeCost: 'brandCost',
  projectStartsAt: 'projectStartTime',
  projectEndsAt: 'projectEndTime',
  projectDescription: 'projectContent',
  remarks: 'remarks',
  reason: 'reason',
} as const;

/** Platform field → gateway field. */
const GATEWAY_FIELD: ReadonlyMap<string, string> = new Map(
  Object.entries(PLATFORM_FIELD).map(([gateway, platform]) => [platform, gateway]),
);

/**
 * English meanings of the marking return codes (codes.json `markingResultCode`), without the
 * Chinese msg literal the table quotes: the client gets English, the literal stays in upstreamMessage.
 */
const MEANINGS: ReadonlyMap<string, string> = new Map(codes.markingResultCode.map((r) => [r.code, englishMeaning(r.meaning)]));

/** -1 names the missing platform parameter ("corporation不能为空"): say it in English, with the gateway's name for it. */
function missingFieldMeaning(msg: string): string | undefined {
  const m = /^\s*(\w+)\s*不能为空\s*$/.exec(msg);
  return m ? `Request failed: ${GATEWAY_FIELD.get(m[1]) ?? m[1]} cannot be empty.` : undefined;
}

function englishError(err: UpstreamError): UpstreamError {
  const meaning =
    (err.upstreamCode === '-1' ? missingFieldMeaning(err.upstreamMessage) : undefined) ?? MEANINGS.get(err.upstreamCode) ?? err.meaning;
  return new UpstreamError(err.endpoint, err.upstreamCode, err.upstreamMessage, err.httpStatus, meaning);
}

/** Epoch ms the platform takes as a "13-digit millisecond timestamp" (spec; 2001-09-09 … 2286-11-20). */
const MIN_13_DIGIT_MS = 1e12;
const MAX_13_DIGIT_MS = 1e13 - 1;

const given = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;

function nonEmpty(field: string, value: string): void {
  if (!value.trim()) throw new BadInputError(field, 'must not be empty');
}

function optionalText(field: string, value: string | null | undefined): string | undefined {
  if (!given(value)) return undefined;
  if (!value.trim()) throw new BadInputError(field, 'must not be empty when given');
  return value;
}

function amount(field: string, value: number | null | undefined): number | undefined {
  if (!given(value)) return undefined;
  if (!Number.isFinite(value) || value < 0) throw new BadInputError(field, 'must not be negative');
  return value;
}

function timestamp(field: string, value: Date): number {
  const ms = value.getTime();
  if (!(ms >= MIN_13_DIGIT_MS && ms <= MAX_13_DIGIT_MS))
    throw new BadInputError(field, 'must be between 2001-09-09 and 2286-11-20 (a 13-digit epoch-millisecond time)');
  return ms;
}

/** The project period: both ends or neither, end not before start, required for a project order (else platform code 1003). */
function projectPeriod(input: MarkNumberOnlineInput): { projectStartTime?: number; projectEndTime?: number } {
  const { projectStartsAt: start, projectEndsAt: end } = input;
  if (input.orderType === MarkingOrderType.PROJECT) {
    if (!given(start)) throw new BadInputError('projectStartsAt', 'is required for a PROJECT order');
    if (!given(end)) throw new BadInputError('projectEndsAt', 'is required for a PROJECT order');
  }
  if (!given(start) && !given(end)) return {};
  if (!given(start)) throw new BadInputError('projectStartsAt', 'is required when projectEndsAt is given');
  if (!given(end)) throw new BadInputError('projectEndsAt', 'is required when projectStartsAt is given');
  const projectStartTime = timestamp('projectStartsAt', start);
  const projectEndTime = timestamp('projectEndsAt', end);
  if (projectEndTime < projectStartTime) throw new BadInputError('projectEndsAt', 'must not be before projectStartsAt');
  return { projectStartTime, projectEndTime };
}

/** Validates a go-online input and gives its platform form fields (files aside); `number` is a Phone value already. */
export function onlineFields(input: MarkNumberOnlineInput): Record<string, unknown> {
  nonEmpty('company', input.company);
  nonEmpty('displayName', input.displayName);
  const f = PLATFORM_FIELD;
  const fields: Record<string, unknown> = {
    [f.company]: input.company,
    [f.orderId]: optionalText('orderId', input.orderId),
    [f.number]: input.number,
    [f.displayName]: input.displayName,
    [f.orderType]: input.orderType,
    [f.plan]: input.plan,
    [f.numberType]: input.numberType,
    [f.numberPrice]: amount('numberPrice', input.numberPrice),
    [f.numberCost]: amount('numberCost', input.numberCost),
    [f.brandFee]: amount('brandFee', input.brandFee),
    [f.brandFeeCost]: amount('brandFeeCost', input.brandFeeCost),
    [f.projectDescription]: optionalText('projectDescription', input.projectDescription),
    [f.remarks]: optionalText('remarks', input.remarks),
  };
  const period = projectPeriod(input);
  fields[f.projectStartsAt] = period.projectStartTime;
  fields[f.projectEndsAt] = period.projectEndTime;
  // Absent optional fields are left out of the form rather than sent empty.
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** The image type of a logo, by its header bytes (whatever its name and declared type say). */
export function imageType(data: Buffer): string | undefined {
  const ascii = (from: number, to: number) => data.toString('latin1', from, to);
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'image/gif';
  if (data.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (data.length >= 14 && ascii(0, 2) === 'BM') return 'image/bmp';
  return undefined;
}

/** Number marking (family `marking`, main host): put a number's mark online, take it offline, read its status. */
export class MarkingDataSource extends DataSource {
  async online(input: MarkNumberOnlineInput, uploads: MarkingUploads): Promise<NumberMarkingChange> {
    const body = onlineFields(input);
    const files = await this.readFiles(uploads);
    const { data } = await this.call<unknown>('marking.online', { body, files });
    return this.change(input.company, data, input.number);
  }

  async offline(input: MarkNumberOfflineInput): Promise<NumberMarkingChange> {
    nonEmpty('company', input.company);
    const body: Record<string, unknown> = { [PLATFORM_FIELD.company]: input.company, [PLATFORM_FIELD.number]: input.number };
    const reason = optionalText('reason', input.reason);
    if (reason !== undefined) body[PLATFORM_FIELD.reason] = reason;
    const { data } = await this.call<unknown>('marking.offline', { body });
    return this.change(input.company, data, input.number);
  }

  async status(company: string, number: string): Promise<NumberMarkingStatus> {
    nonEmpty('company', company);
    const { data } = await this.call<Record<string, unknown> | undefined>('marking.status', {
      body: { [PLATFORM_FIELD.company]: company, [PLATFORM_FIELD.number]: number },
    });
    const platformStatus = toOptionalString(data?.status);
    const code = toInt(data?.status);
    const known = code !== undefined && code !== NumberMarkingState.UNKNOWN && code in NumberMarkingState;
    return {
      company: toOptionalString(data?.corporation) ?? company,
      orderId: toOptionalString(data?.orderId),
      number: toOptionalString(data?.markNumber) ?? number,
      status: known ? (code as NumberMarkingState) : platformStatus === undefined ? undefined : NumberMarkingState.UNKNOWN,
      platformStatus,
      remark: toOptionalString(data?.remark),
    };
  }

  /** `data` is the marked number; an answer without it still means the change was accepted (it is an echo). */
  private change(company: string, data: unknown, number: string): NumberMarkingChange {
    return { company, number: typeof data === 'string' || typeof data === 'number' ? String(data) : number };
  }

  /** Reads the logo (an image) and the material-list files, each within the upload size limit. */
  private async readFiles(uploads: MarkingUploads): Promise<NonNullable<CallOptions['files']>> {
    const max = this.ctx.services.config.uploadMaxBytes;
    const files: NonNullable<CallOptions['files']> = [];
    if (uploads.logo) {
      const logo = await readUpload(uploads.logo, 'logo', max);
      const type = imageType(logo.data);
      if (!type) throw new BadInputError('logo', 'must be a PNG, JPEG, GIF, WebP or BMP image');
      files.push(part(PLATFORM_FIELD.logo, logo, type, 'logo'));
    }
    const attachments = uploads.attachments ?? [];
    for (const [i, upload] of attachments.entries()) {
      const file = await readUpload(upload, `attachments[${i}]`, max);
      files.push(part(PLATFORM_FIELD.attachments, file, file.mimetype || 'application/octet-stream', `attachment-${i + 1}`));
    }
    return files;
  }

  /** Calls a marking endpoint; a refusal reaches the client with the English meaning of its code. */
  private async call<T>(endpoint: EndpointId, options: CallOptions) {
    try {
      return await this.ctx.call<T>(endpoint, options);
    } catch (err) {
      throw err instanceof UpstreamError ? englishError(err) : err;
    }
  }
}

function part(field: string, file: ReceivedFile, contentType: string, fallbackName: string) {
  return { field, filename: file.filename || fallbackName, contentType, data: file.data };
}
