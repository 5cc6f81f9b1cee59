import type { EndpointId } from '../../spec/endpoint-ids';
import { BadInputError, GatewayError, UpstreamError } from '../errors';
import {
  MessageSendStatus,
  SmsMessageType,
  type AcceptedMessage,
  type MessageSendResult,
  type MessageTemplateFilter,
  type OutgoingMessageInput,
  type RejectedMessage,
  type SentMessageFilter,
  type SentSms,
  type SmsTemplate,
} from '../schema/sms';
import type { Paged } from '../schema/page';
import { TemplateStatus } from '../schema/template';
import { checkMaxLength, fromAnyPlatformTime, toInt, toOptionalString } from '../upstream/convert';
import { DataSource } from './datasource';

/**
 * Messages per platform send request: the SMS send recommends "fewer than 500" per request
 * (建议最大数量小于500). Flash send states no limit; its sends are split the same way.
 */
export const MAX_PER_REQUEST = 499;
/** Platform requests of one send in flight at once. */
const CONCURRENCY = 2;
/** Outer "-1": every message of the request failed; its data still lists them. */
const ALL_FAILED = '-1';
/**
 * Finding a template by id: the platform's template list filters by name only, so the lookup pages
 * through the unfiltered list (this many per page) until the id shows or the list ends.
 */
const LOOKUP_PAGE_SIZE = 100;

interface SendAnswer {
  taskId?: unknown;
  successes?: Record<string, unknown>[];
  errors?: Record<string, unknown>[];
}

/** A page of the template and sent-message lists (`data.records`, `data.total`). */
interface ListAnswer {
  total?: unknown;
  records?: Record<string, unknown>[];
}

/** The endpoints of one message family; the operations are the same for SMS and flash SMS. */
export interface MessagingEndpoints {
  send: EndpointId;
  templates: EndpointId;
  sent: EndpointId;
}

/** Filters as the resolvers pass them: SMS adds the message type, flash has none. */
type TemplateFilter = MessageTemplateFilter & { messageType?: SmsMessageType };
type SentFilter = SentMessageFilter & { messageType?: SmsMessageType };

/** The names of the `${…}` placeholders of a template text, each once, in order of first use. */
export function placeholders(content: string): string[] {
  const names = [...content.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]).filter((n) => n !== '');
  return [...new Set(names)];
}

/** Page and page size of the template and sent lists: from 1 (spec: pageNo starts at 1; no maximum stated). */
function checkPage(page: number, pageSize: number): void {
  if (!Number.isInteger(page) || page < 1) throw new BadInputError('page', 'must be 1 or more');
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new BadInputError('pageSize', 'must be 1 or more');
}

/** A platform number → the value of a numeric enum, or undefined when absent or unknown. */
function enumValue<E extends number>(values: Record<string | number, string | number>, raw: unknown): E | undefined {
  const n = toInt(raw);
  return n !== undefined && typeof values[n] === 'string' ? (n as E) : undefined;
}

/** An optional DateTime range → `startTime`/`endTime` in epoch ms; `to` must not be before `from`. */
function epochRange(fromField: string, from: Date | undefined, toField: string, to: Date | undefined): Record<string, number> {
  const range: Record<string, number> = {};
  if (from) range.startTime = from.getTime();
  if (to) range.endTime = to.getTime();
  if (from && to && to.getTime() < from.getTime())
    throw new BadInputError(toField, `must not be before ${fromField} (${from.toISOString()})`);
  return range;
}

/** An optional text filter: absent, or not blank. */
function text(field: string, value: string | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!value.trim()) throw new BadInputError(field, 'must not be empty when given');
  return value;
}

function templateQuery(f: TemplateFilter): Record<string, unknown> {
  return {
    templateName: text('filter.name', f.name),
    ...epochRange('filter.createdFrom', f.createdFrom, 'filter.createdTo', f.createdTo),
    status: f.status,
    msgType: f.messageType,
  };
}

/** `phone` is a Phone value already (validated, national form). */
function sentQuery(f: SentFilter): Record<string, unknown> {
  if (f.status === MessageSendStatus.UNKNOWN) throw new BadInputError('filter.status', 'UNKNOWN is not a state to filter by');
  return {
    ...epochRange('filter.sentFrom', f.sentFrom, 'filter.sentTo', f.sentTo),
    status: f.status,
    msgType: f.messageType,
    taskId: text('filter.taskId', f.taskId),
    phone: f.phone ?? undefined,
  };
}

/** Only the given fields go to the platform. */
function defined(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== null));
}

/** A template record (SMS records carry `msgType`, flash records do not). */
function toTemplate(r: Record<string, unknown>): SmsTemplate {
  const content = String(r.content ?? '');
  const templateId = String(r.templateId ?? '');
  return {
    id: templateId,
    templateId,
    name: String(r.templateName ?? ''),
    content,
    placeholders: placeholders(content),
    createdAt: fromAnyPlatformTime(r.ctime),
    updatedAt: fromAnyPlatformTime(r.utime),
    status: enumValue<TemplateStatus>(TemplateStatus, r.status),
    platformStatus: toOptionalString(r.status),
    messageType: enumValue<SmsMessageType>(SmsMessageType, r.msgType),
  };
}

/** A sent-message record; `phone` may come as a JSON number (the source's examples leave it unquoted). */
function toSent(r: Record<string, unknown>): SentSms {
  const msgId = String(r.msgId ?? '');
  const platformStatus = toOptionalString(r.status);
  const status = enumValue<MessageSendStatus>(MessageSendStatus, r.status);
  return {
    id: msgId,
    msgId,
    phone: toOptionalString(r.phone),
    content: toOptionalString(r.content),
    status: status ?? (platformStatus === undefined ? undefined : MessageSendStatus.UNKNOWN),
    platformStatus,
    sentAt: fromAnyPlatformTime(r.sendTime),
    taskId: toOptionalString(r.taskId),
    messageType: enumValue<SmsMessageType>(SmsMessageType, r.msgType),
  };
}

function paged<T>(data: ListAnswer | undefined, page: number, pageSize: number, item: (r: Record<string, unknown>) => T): Paged<T> {
  const items = (data?.records ?? []).map(item);
  const total = toInt(data?.total) ?? items.length;
  return { page, pageSize, total, pages: Math.ceil(total / pageSize), items };
}

function checkMessages(msgs: OutgoingMessageInput[]): void {
  if (msgs.length === 0) throw new BadInputError('messages', 'must list at least one message');
  msgs.forEach((m, i) => {
    // `phone` is a Phone value already (validated, national form); userData: spec max length 100.
    if (m.userData != null) checkMaxLength(`messages[${i}].userData`, m.userData, 100);
    const seen = new Set<string>();
    (m.params ?? []).forEach((p, k) => {
      if (seen.has(p.name)) throw new BadInputError(`messages[${i}].params[${k}].name`, `"${p.name}" is given twice`);
      seen.add(p.name);
    });
  });
}

/** Every message gives exactly the template's placeholders (the platform wants params "consistent with the template"). */
function checkParams(template: SmsTemplate, msgs: OutgoingMessageInput[]): void {
  const expected = new Set(template.placeholders);
  const listed = template.placeholders.length ? template.placeholders.map((p) => `\${${p}}`).join(', ') : 'none';
  msgs.forEach((m, i) => {
    const given = m.params ?? [];
    given.forEach((p, k) => {
      if (!expected.has(p.name)) {
        throw new BadInputError(
          `messages[${i}].params[${k}].name`,
          `"${p.name}" is not a placeholder of template ${template.templateId} (placeholders: ${listed})`,
        );
      }
    });
    const names = new Set(given.map((p) => p.name));
    const missing = template.placeholders.find((p) => !names.has(p));
    if (missing !== undefined)
      throw new BadInputError(`messages[${i}].params`, `gives no value for \${${missing}} of template ${template.templateId}`);
  });
}

/** Runs `fn` over items with at most `limit` in flight, keeping the order of results. */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * The operations shared by SMS and flash SMS; a family only names its endpoints. Sends split into
 * platform requests of at most MAX_PER_REQUEST (499) messages, run with bounded concurrency, and merge per-message
 * successes and errors (matched back to input positions by phone + userData, in order) into one result.
 */
export abstract class MessagingOperations extends DataSource {
  protected abstract readonly endpoints: MessagingEndpoints;
  /** Templates looked up by id during this operation (one datasource instance per GraphQL request). */
  private readonly lookedUp = new Map<string, Promise<SmsTemplate | undefined>>();

  async templates(filter: TemplateFilter, page: number, pageSize: number): Promise<Paged<SmsTemplate>> {
    checkPage(page, pageSize);
    const query = defined({ ...templateQuery(filter), pageNo: page, pageSize });
    const { data } = await this.ctx.call<ListAnswer>(this.endpoints.templates, { query });
    return paged(data, page, pageSize, toTemplate);
  }

  async sent(filter: SentFilter, page: number, pageSize: number): Promise<Paged<SentSms>> {
    checkPage(page, pageSize);
    const query = defined({ ...sentQuery(filter), pageNo: page, pageSize });
    const { data } = await this.ctx.call<ListAnswer>(this.endpoints.sent, { query });
    return paged(data, page, pageSize, toSent);
  }

  /**
   * The template of an id, or undefined when the list does not show it (or cannot be read: the
   * platform then judges the send itself). Looked up once per GraphQL request, never cached longer,
   * so a template edited or approved a moment ago is seen as it is now.
   */
  template(templateId: string): Promise<SmsTemplate | undefined> {
    let found = this.lookedUp.get(templateId);
    if (!found) {
      found = this.findTemplate(templateId);
      this.lookedUp.set(templateId, found);
    }
    return found;
  }

  private async findTemplate(templateId: string): Promise<SmsTemplate | undefined> {
    try {
      // Until the list ends: a short page, the total reached, or a page that repeats one already read.
      const seen = new Set<string>();
      for (let pageNo = 1; ; pageNo++) {
        const { data } = await this.ctx.call<ListAnswer>(this.endpoints.templates, { query: { pageNo, pageSize: LOOKUP_PAGE_SIZE } });
        const records = data?.records ?? [];
        const hit = records.find((r) => String(r.templateId) === templateId);
        if (hit) return toTemplate(hit);
        const total = toInt(data?.total);
        if (records.length < LOOKUP_PAGE_SIZE || (total !== undefined && pageNo * LOOKUP_PAGE_SIZE >= total)) return undefined;
        const first = String(records[0].templateId);
        if (seen.has(first)) return undefined;
        seen.add(first);
      }
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      this.ctx.services.logger.warn(
        { endpoint: this.endpoints.templates, templateId, reason: err.message },
        'template lookup failed: sending without the parameter check',
      );
      return undefined;
    }
  }

  async send(templateId: string, msgs: OutgoingMessageInput[]): Promise<MessageSendResult> {
    if (!templateId.trim()) throw new BadInputError('templateId', 'must not be empty');
    checkMessages(msgs);
    const template = await this.template(templateId);
    if (template) checkParams(template, msgs);
    const chunks: { offset: number; msgs: OutgoingMessageInput[] }[] = [];
    for (let o = 0; o < msgs.length; o += MAX_PER_REQUEST) chunks.push({ offset: o, msgs: msgs.slice(o, o + MAX_PER_REQUEST) });
    const parts = await mapBounded(chunks, CONCURRENCY, (c) => this.sendChunk(templateId, c.offset, c.msgs));
    return {
      totalCount: msgs.length,
      taskIds: parts.map((p) => p.taskId).filter((t): t is string => !!t),
      accepted: parts.flatMap((p) => p.accepted),
      rejected: parts.flatMap((p) => p.rejected),
    };
  }

  private async sendChunk(templateId: string, offset: number, msgs: OutgoingMessageInput[]) {
    const body = {
      templateId,
      msgs: msgs.map((m) => ({
        phone: m.phone,
        ...(m.userData != null ? { userData: m.userData } : {}),
        ...(m.params?.length ? { params: Object.fromEntries(m.params.map((p) => [p.name, p.value])) } : {}),
      })),
    };
    const { data, code, msg } = await this.ctx.call<SendAnswer | undefined>(this.endpoints.send, { body, alsoSuccess: [ALL_FAILED] });
    if (code === ALL_FAILED && !data?.errors?.length) throw new UpstreamError(this.endpoints.send, code, msg, 200);
    const taskId = toOptionalString(data?.taskId) ?? '';
    // Input positions per phone, consumed in order (successes carry no userData), to report input indexes.
    const positions = new Map<string, number[]>();
    msgs.forEach((m, i) => positions.set(m.phone, [...(positions.get(m.phone) ?? []), offset + i]));
    const take = (phone: string, userData: string | undefined) => {
      const list = positions.get(phone);
      if (!list?.length) return -1;
      const k =
        userData === undefined
          ? 0
          : Math.max(
              0,
              list.findIndex((p) => msgs[p - offset].userData === userData),
            );
      return list.splice(k, 1)[0];
    };
    const accepted: AcceptedMessage[] = (data?.successes ?? []).map((s) => {
      const phone = String(s.phone ?? '');
      const index = take(phone, toOptionalString(s.userData));
      return {
        index,
        msgId: String(s.msgId ?? ''),
        phone,
        userData: toOptionalString(s.userData) ?? msgs[index - offset]?.userData,
        taskId,
      };
    });
    const rejected: RejectedMessage[] = (data?.errors ?? []).map((e) => {
      const phone = String(e.phone ?? '');
      const index = take(phone, toOptionalString(e.userData));
      return { index, phone, userData: toOptionalString(e.userData), code: String(e.code ?? ''), reason: String(e.msg ?? '') };
    });
    return { taskId, accepted, rejected };
  }
}
