import codes from '../../spec/codes.json';
import { BadInputError, UpstreamUnavailableError } from '../errors';
import type {
  NoticeContactInput,
  SendVoiceNoticeBatchInput,
  SendVoiceNoticeInput,
  SentVoiceNotice,
  SentVoiceNoticeBatch,
  UploadedVoiceFile,
} from '../schema/notice';
import type { ReceivedFile } from '../schema/upload';
import { toOptionalString } from '../upstream/convert';
import { TemplateOperations, type TemplateEndpoints } from './template';

/** The separators of the platform's contacts string: a value holding one would corrupt the batch. */
const SEPARATORS = /[,|@]/;

function checkValue(field: string, value: string): void {
  if (SEPARATORS.test(value))
    throw new BadInputError(field, `must not contain "," "|" or "@" (they separate contacts, parameters and the order id): "${value}"`);
}

/** One contact → `phone|p1|p2@orderId`, refusing values that hold a separator (the phone is a normalised Phone). */
function contactEntry(c: NoticeContactInput, field: string): string {
  let entry = c.phone;
  (c.params ?? []).forEach((p, i) => {
    checkValue(`${field}.params[${i}]`, p);
    entry += `|${p}`;
  });
  if (c.orderId !== undefined && c.orderId !== null) {
    if (c.orderId === '') throw new BadInputError(`${field}.orderId`, 'must not be empty when given');
    checkValue(`${field}.orderId`, c.orderId);
    entry += `@${c.orderId}`;
  }
  return entry;
}

/**
 * The meaning of a legacy `tasklog` hang-up cause (codes.json `noticeHangupCauses`, e.g.
 * NORMAL_CLEARING → "Normal hang-up"); unknown causes keep their platform name.
 */
export function noticeHangupMeaning(cause: string): { code: string; meaning?: string; platformDescription?: string } {
  const row = codes.noticeHangupCauses.find((r) => r.code === cause.trim());
  return { code: cause.trim(), meaning: row?.meaning, platformDescription: row?.descriptionZh };
}

/** Builds the platform's `phone|p1|p2@orderId,phone2|…` contacts string. */
export function contactsString(contacts: NoticeContactInput[], field = 'contacts'): string {
  return contacts.map((c, i) => contactEntry(c, `${field}[${i}]`)).join(',');
}

/** voiceFileList is form-encoded as the names joined with commas (the source does not say how a list is encoded). */
function voiceFileList(files: string[] | undefined | null): string | undefined {
  if (!files || files.length === 0) return undefined;
  files.forEach((f, i) => {
    if (!f.trim()) throw new BadInputError(`voiceFiles[${i}]`, 'must not be empty');
    if (f.includes(',')) throw new BadInputError(`voiceFiles[${i}]`, 'must not contain ","');
  });
  return files.join(',');
}

function checkTemplateSn(sn: string): void {
  if (!sn.trim()) throw new BadInputError('templateSn', 'must not be empty');
}

/** Legacy voice notice v1 on the `notice` host, with its own token (family `notice`). */
export class NoticeDataSource extends TemplateOperations {
  protected readonly endpoints: TemplateEndpoints = {
    text: 'notice.template.text',
    file: 'notice.template.file',
    list: 'notice.template.list',
  };

  async send(input: SendVoiceNoticeInput): Promise<SentVoiceNotice> {
    checkTemplateSn(input.templateSn);
    const body: Record<string, unknown> = { template_sn: input.templateSn, contacts: contactEntry(input.contact, 'contact') };
    const files = voiceFileList(input.voiceFiles);
    if (files) body.voiceFileList = files;
    const { data } = await this.ctx.call<{ callUUID?: unknown }>('notice.task.one', { body });
    const callId = toOptionalString(data?.callUUID);
    if (!callId) throw new UpstreamUnavailableError('notice.task.one', 'no callUUID in the answer');
    return { id: callId, callId, orderId: input.contact.orderId ?? undefined, templateSn: input.templateSn };
  }

  async sendBatch(input: SendVoiceNoticeBatchInput): Promise<SentVoiceNoticeBatch> {
    checkTemplateSn(input.templateSn);
    if (input.contacts.length === 0) throw new BadInputError('contacts', 'must list at least one contact');
    const body: Record<string, unknown> = { template_sn: input.templateSn, contacts: contactsString(input.contacts) };
    const files = voiceFileList(input.voiceFiles);
    if (files) body.voiceFileList = files;
    if (input.redialCount !== undefined && input.redialCount !== null) {
      // The spec states no maximum for call_num (source line 7671: 呼叫失败后重呼次数); a count is not negative.
      if (!Number.isInteger(input.redialCount) || input.redialCount < 0) throw new BadInputError('redialCount', 'must be 0 or more');
      body.call_num = input.redialCount;
    }
    const { data } = await this.ctx.call<{ task_sn?: unknown }>('notice.task.batch', { body });
    const taskSn = toOptionalString(data?.task_sn);
    if (!taskSn) throw new UpstreamUnavailableError('notice.task.batch', 'no task_sn in the answer');
    const orderIds = input.contacts.map((c) => c.orderId).filter((o): o is string => typeof o === 'string');
    return { id: taskSn, taskSn, contactCount: input.contacts.length, orderIds, templateSn: input.templateSn };
  }

  async uploadVoiceFile(file: ReceivedFile, remarks: string): Promise<UploadedVoiceFile> {
    if (!remarks.trim()) throw new BadInputError('remarks', 'must not be empty');
    const { data } = await this.ctx.call<{ fileName?: unknown }>('notice.voicefile.upload', {
      body: { remarks },
      files: [{ field: 'voiceFile', filename: file.filename || 'voice.wav', contentType: 'audio/wav', data: file.data }],
    });
    const fileName = toOptionalString(data?.fileName);
    if (!fileName) throw new UpstreamUnavailableError('notice.voicefile.upload', 'no fileName in the answer');
    return { id: fileName, fileName };
  }
}
