import { BadInputError, UpstreamError } from '../errors';
import type { AcceptedMessage, MessageSendResult, OutgoingMessageInput, RejectedMessage } from '../schema/sms';
import { isPhoneNumber, toOptionalString } from './convert';
import { DataSource } from './datasource';

/** The platform's recommended maximum of messages per send request. */
export const MAX_PER_REQUEST = 500;
/** Platform requests of one send in flight at once. */
const CONCURRENCY = 2;
/** Outer "-1": every message of the request failed; its data still lists them. */
const ALL_FAILED = '-1';

interface SendAnswer {
  taskId?: unknown;
  successes?: Record<string, unknown>[];
  errors?: Record<string, unknown>[];
}

function checkMessages(msgs: OutgoingMessageInput[]): void {
  if (msgs.length === 0) throw new BadInputError('messages', 'must list at least one message');
  msgs.forEach((m, i) => {
    if (!isPhoneNumber(m.phone)) throw new BadInputError(`messages[${i}].phone`, `"${m.phone}" is not a phone number`);
    if (m.userData != null && m.userData.length > 100) throw new BadInputError(`messages[${i}].userData`, 'must be at most 100 characters');
    const seen = new Set<string>();
    (m.params ?? []).forEach((p, k) => {
      if (seen.has(p.name)) throw new BadInputError(`messages[${i}].params[${k}].name`, `"${p.name}" is given twice`);
      seen.add(p.name);
    });
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
 * Sends shared by SMS and flash SMS: splits into platform requests of at most 500 messages, runs them
 * with bounded concurrency and merges per-message successes and errors (matched back to input
 * positions by phone + userData, in order) into one result.
 */
export abstract class MessagingOperations extends DataSource {
  protected abstract readonly sendEndpoint: string;

  async send(templateId: string, msgs: OutgoingMessageInput[]): Promise<MessageSendResult> {
    if (!templateId.trim()) throw new BadInputError('templateId', 'must not be empty');
    checkMessages(msgs);
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
    const { data, code, msg } = await this.ctx.call<SendAnswer | undefined>(this.sendEndpoint, { body, alsoSuccess: [ALL_FAILED] });
    if (code === ALL_FAILED && !data?.errors?.length) throw new UpstreamError(this.sendEndpoint, code, msg, 200, 'Failed');
    const taskId = toOptionalString(data?.taskId) ?? '';
    // Input positions per phone, consumed in order (successes carry no userData), to report input indexes.
    const positions = new Map<string, number[]>();
    msgs.forEach((m, i) => positions.set(m.phone, [...(positions.get(m.phone) ?? []), offset + i]));
    const take = (phone: string, userData: string | undefined) => {
      const list = positions.get(phone);
      if (!list?.length) return -1;
      const k = userData === undefined ? 0 : Math.max(0, list.findIndex((p) => msgs[p - offset].userData === userData));
      return list.splice(k, 1)[0];
    };
    const accepted: AcceptedMessage[] = (data?.successes ?? []).map((s) => {
      const phone = String(s.phone ?? '');
      const index = take(phone, toOptionalString(s.userData));
      return { index, msgId: String(s.msgId ?? ''), phone, userData: toOptionalString(s.userData) ?? msgs[index - offset]?.userData, taskId };
    });
    const rejected: RejectedMessage[] = (data?.errors ?? []).map((e) => {
      const phone = String(e.phone ?? '');
      const index = take(phone, toOptionalString(e.userData));
      return { index, phone, userData: toOptionalString(e.userData), code: String(e.code ?? ''), reason: String(e.msg ?? '') };
    });
    return { taskId, accepted, rejected };
  }
}
